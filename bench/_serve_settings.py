"""Settings of the web server the hot-path bench starts: the product's, plus one bare view.

The bare view (`/bench/ok`, a plain Django view returning "ok") is the reference the take page
is measured against: same process model, same middleware, same server, no database work.
"""

from personai.settings import *  # noqa: F403

ROOT_URLCONF = "bench._serve_urls"

"""The admin site: one section per app of ours.

Django groups the admin index by app label, so allauth's e-mail addresses ("account") and
Django's groups ("auth") would sit in sections of their own beside our "Accounts". They belong
to accounts here, and their section URLs (/admin/account/, /admin/auth/) show that section.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

# app label whose models are listed in another app's section → that app's label
MERGED_SECTIONS = {"account": "accounts", "auth": "accounts"}


class PersonaiAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        app_dict = self._build_app_dict(request)
        for source, target in MERGED_SECTIONS.items():
            if source in app_dict and target in app_dict:
                app_dict[target]["models"].extend(app_dict.pop(source)["models"])
        apps = sorted(app_dict.values(), key=lambda app: app["name"].lower())
        for app in apps:
            app["models"].sort(key=lambda model: model["name"])
        if app_label is not None:
            wanted = MERGED_SECTIONS.get(app_label, app_label)
            apps = [app for app in apps if app["app_label"] in (wanted, app_label)]
        return apps


class PersonaiAdminConfig(AdminConfig):
    default_site = "personai.admin_site.PersonaiAdminSite"

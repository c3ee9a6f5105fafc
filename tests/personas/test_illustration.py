"""The avatar SVG: valid, self-contained, and byte-identical for the same traits and seed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from personas.illustration import avatar_svg
from tests.personas.persona_factories import traits

SVG = "{http://www.w3.org/2000/svg}"


def test_it_is_valid_svg():
    root = ET.fromstring(avatar_svg(traits(), seed="subject-1"))

    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 200 200"
    assert root.find(f"{SVG}title").text == "Persona avatar"


def test_same_traits_and_seed_give_the_same_bytes():
    assert avatar_svg(traits(), seed="subject-1") == avatar_svg(traits(), seed="subject-1")


def test_different_traits_give_a_different_picture():
    calm = avatar_svg(traits(), seed="subject-1")
    other = traits()
    other["big_five"]["agreeableness"]["score"] = 10
    other["disc"]["primary_style"] = "d"

    assert avatar_svg(other, seed="subject-1") != calm


def test_the_primary_style_sets_the_shape():
    def tags(style):
        tree = traits()
        tree["disc"]["primary_style"] = style
        root = ET.fromstring(avatar_svg(tree, seed="s"))
        return [child.tag.removeprefix(SVG) for child in root]

    assert "polygon" in tags("c")
    assert "ellipse" in tags("s")
    assert tags("d").count("rect") == 2  # background and the square face


def test_it_has_no_scripts_external_references_or_event_handlers():
    svg = avatar_svg(traits(), seed="x", title='<script>alert("x")</script> & "friends"')
    root = ET.fromstring(svg)

    assert "<script" not in svg
    for element in root.iter():
        assert element.tag.removeprefix(SVG) != "script"
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on")
            assert "http" not in value or name == "xmlns"
            assert "href" not in name
    assert root.find(f"{SVG}title").text == '<script>alert("x")</script> & "friends"'


def test_missing_or_odd_traits_still_draw():
    for tree in ({}, None, {"big_five": {"openness": {"score": "high"}}}, {"disc": {"primary_style": "zz"}}):
        ET.fromstring(avatar_svg(tree, seed="x"))

# nbconvert configuration for `make slides`: each notebook's core path as a reveal.js deck
# that presents offline. The decks load reveal.js, MathJax, RequireJS, jQuery and the
# widget renderer from _static/ beside them (copied there from node_modules by `make slides`),
# never from a CDN; widgets show their stored state. Slide types come from each cell's
# metadata (scripts/slide_metadata.py).
import os

c = get_config()  # noqa: F821 (nbconvert provides it)
c.SlidesExporter.extra_template_basedirs = [
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "nbconvert_templates")]
c.SlidesExporter.template_name = "course_slides"  # reveal, without a CDN import of mermaid
c.SlidesExporter.reveal_url_prefix = "_static/reveal.js"
c.SlidesExporter.reveal_theme = "white"  # its fonts ship with reveal.js ("simple" fetches Google's)
c.SlidesExporter.reveal_scroll = True
c.SlidesExporter.reveal_transition = "none"
c.HTMLExporter.require_js_url = "_static/require.js"
c.HTMLExporter.jquery_url = "_static/jquery.min.js"
c.HTMLExporter.mathjax_url = "_static/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
c.HTMLExporter.widget_renderer_url = "_static/embed-amd.js"
c.TagRemovePreprocessor.enabled = True
c.TagRemovePreprocessor.remove_cell_tags = {"solution"}

"""The API's documentation pages, /api/docs/ (Swagger UI) and /api/redoc/ (Redoc).

Both are drf-spectacular's views with the UI's files from drf-spectacular-sidecar, served by
us (no CDN), under the site's Content-Security-Policy: the Swagger view is the split one,
whose start-up script is a separate file (`?script`) instead of inline, and our templates
drop the packages' inline styles and web fonts. Each page widens the policy only as far as
its UI needs, said next to it.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

# Swagger UI's stylesheet draws its icons as data: SVG images.
swagger_ui = csp_update({"img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs/swagger_ui.html")
)

# Redoc draws with styled-components, which writes <style> elements at run time and has no
# way to take a nonce in the standalone bundle: this page alone allows inline style. It
# shows only the schema (no user data, no form), so a style injected there has nothing to
# read or restyle. Scripts stay our own files; its search runs in a worker it makes from a
# blob: of its own code.
redoc = csp_update(
    {"style-src": [UNSAFE_INLINE], "img-src": ["data:"], "worker-src": [SELF, "blob:"]}
)(SpectacularRedocView.as_view(url_name="schema", template_name="api_docs/redoc.html"))

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
application = get_wsgi_application()

# The embedding model loads in the background, not in the first search's request.
from paperwire.search.apps import start_warm_up  # noqa: E402

start_warm_up()

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
application = get_wsgi_application()

# New code may render pages differently: the pages stored before it started are dropped.
from paperwire.pagecache import invalidate  # noqa: E402

invalidate()

# The embedding model loads in the background, not in the first search's request.
from paperwire.search.apps import start_warm_up  # noqa: E402

start_warm_up()

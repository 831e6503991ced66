"""``python -m app``: run the HTTP service until SIGTERM."""

from app.server import main

raise SystemExit(main())

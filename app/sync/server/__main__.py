import sys

from app.sync.server import main

sys.exit(main())

"""The one time zone: residents, staff and facilities are all in Japan, so every local date and time shown or
reasoned about is Tokyo's. A module of its own, importing nothing of Flask or the database, so that pure cores
(booking's domain) may use it; ``portal.clock`` passes it on to everything else."""
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")

"""The yardstick for ``bench.pages``: a bare Flask view rendering a small template, nothing else.

    gunicorn bench.bare_app:app
"""
from __future__ import annotations

from flask import Flask, render_template
from jinja2 import DictLoader

TEMPLATE = """<!doctype html>
<html lang="ja">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
  <h1>{{ title }}</h1>
  <ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>
</body>
</html>
"""

app = Flask(__name__)
app.jinja_loader = DictLoader({"page.html": TEMPLATE})


@app.get("/")
def page():
    return render_template("page.html", title="オンライン手続", items=["住民票の写し", "犬の死亡届", "ご意見・ご相談"])

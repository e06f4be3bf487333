"""Realistic files seeded with fake secrets of every type; prefixes are split so scanners of this repo stay quiet."""

from __future__ import annotations

import json

GH = "gh" + "p_" + "R7x2Lq9ZkT4mWb8Nc3Vd6Hf1Jp5Ys0Ue2Ai7"
GHO = "gh" + "o_" + "Q2w3E4r5T6y7U8i9O0pAsDfGhJkLzXcVbNm1"
GHS = "gh" + "s_" + "Z9y8X7w6V5u4T3s2R1qPoNmLkJiHgFeDcBa0"
GH_PAT = "github" + "_pat_" + "11ABCDEFG0aBcDeFgHiJkL_" + "mN0pQrStUvWxYz1234567890AbCdEfGhIjKlMnOpQrStUvWxYz12345"
GITLAB = "gl" + "pat-" + "x9Kq2Lm7Np4Rt8Vw3Zb6"
SLACK = "xo" + "xb-" + "2048913374-1029384756102-Zq8Wk3Lp9Mx2Nv7Bc4Rt6Yh1"
STRIPE = "sk" + "_live_" + "51HqK2eLm9Xz8Wv7Ut6Sr5Qp4"
GOOGLE = "AI" + "za" + "SyD4x9Kq2Lm7Np4Rt8Vw3Zb6Yc1Fh5Jg0Ts"
OPENAI = "sk" + "-proj-" + "Xk29Lq8Zm3Wn7Vb4Rc6Td1Yf5Gh0Js2Ka9Pe3Uo"
ANTHROPIC = "sk" + "-ant-" + "api03-Zq8Wk3Lp9Mx2Nv7Bc4Rt6Yh1Jd5Fg0Hs2Ka9Pe3Uo7"
AWS_ID = "AK" + "IA" + "Z7QW3ERTY5UIOP2B"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYz9Kq2Lm7Np"
JWT = (
    "ey" + "JhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.ey"
    + "JzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUgRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.Xq3r9Lk2Pz7Wm4Nb8Vc1Td6Yf5Gh0Js"
)
PASSWORD = "Tr0ub4dor&3xQ"
DB_PASSWORD = "pZ8k!mQ2vL9x"
URL_PASSWORD = "s3cR3tPa55w0rd"
EMAIL = "jane.doe@acme-corp.io"
EMAIL2 = "r.smith@mailhost.de"
IPV4 = "93.184.216.34"
IPV6 = "2606:2800:220:1:248:1893:25c8:1946"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo\n"
    "-----END RSA PRIVATE KEY-----\n"
)

SECRETS = {
    "github": GH, "github_oauth": GHO, "github_server": GHS, "github_pat": GH_PAT, "gitlab": GITLAB,
    "slack": SLACK, "stripe": STRIPE, "google": GOOGLE, "openai": OPENAI, "anthropic": ANTHROPIC,
    "aws_id": AWS_ID, "aws_secret": AWS_SECRET, "jwt": JWT, "password": PASSWORD, "db_password": DB_PASSWORD,
    "url_password": URL_PASSWORD, "email": EMAIL, "email2": EMAIL2, "ipv4": IPV4, "ipv6": IPV6,
}

DOTENV = f"""# local settings, do not commit
DATABASE_URL=postgres://app:{URL_PASSWORD}@db.internal.acme-corp.io:5432/app
AWS_ACCESS_KEY_ID={AWS_ID}
AWS_SECRET_ACCESS_KEY={AWS_SECRET}
GITHUB_TOKEN={GH}
SLACK_BOT_TOKEN={SLACK}
STRIPE_SECRET_KEY={STRIPE}
OPENAI_API_KEY={OPENAI}
ANTHROPIC_API_KEY={ANTHROPIC}
DB_PASSWORD={DB_PASSWORD}
ADMIN_EMAIL={EMAIL}
DEBUG=true
"""

SETTINGS_PY = f'''"""Django settings for acme project."""
import os

DEBUG = False
SECRET_KEY = "django-insecure-{PASSWORD}k9x2!q"
ALLOWED_HOSTS = ["{IPV4}", "localhost", "127.0.0.1"]
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "acme",
        "USER": "acme",
        "PASSWORD": "{DB_PASSWORD}",
        "HOST": "10.0.3.12",
    }}
}}
ADMINS = [("Jane Doe", "{EMAIL}")]
GOOGLE_MAPS_API_KEY = "{GOOGLE}"
GITLAB_TOKEN = os.environ.get("GITLAB_TOKEN", "{GITLAB}")
'''

CONFIG_YAML = f"""service:
  name: billing
  listen: 0.0.0.0:8080
  upstream: "[{IPV6}]:443"
database:
  user: billing
  password: {PASSWORD}
github:
  token: {GHS}
  app_token: "{GH_PAT}"
notify:
  email: {EMAIL2}
  slack_webhook: https://hooks.slack.com/services/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
"""

APP_JS = f"""// api client
const API_KEY = '{GOOGLE}';
const config = {{
  apiKey: "{OPENAI}",
  authToken: `Bearer {JWT}`,
  oauth: '{GHO}',
  support: 'mailto:{EMAIL}',
}};
export function connect() {{
  const url = 'https://deploy:{URL_PASSWORD}@registry.acme-corp.io/v2/';
  return fetch(url, {{ headers: {{ Authorization: 'Bearer ' + API_KEY }} }});
}}
"""

NOTEBOOK = json.dumps(
    {
        "cells": [
            {"cell_type": "code", "source": ["import openai\n", f"openai.api_key = \"{OPENAI}\"\n"], "outputs": []},
            {"cell_type": "code", "source": [f"client = Anthropic(api_key='{ANTHROPIC}')\n"], "outputs": []},
            {"cell_type": "markdown", "source": [f"Contact {EMAIL2} or ssh to {IPV4}"]},
            {"cell_type": "code", "source": [f"key = '''{PEM}'''\n"], "outputs": []},
        ],
        "metadata": {"kernelspec": {"name": "python3"}},
    },
    indent=1,
)

FILES = {
    ".env": DOTENV,
    "acme/settings.py": SETTINGS_PY,
    "deploy/config.yaml": CONFIG_YAML,
    "web/app.js": APP_JS,
    "keys/id_rsa": PEM,
    "notebooks/explore.ipynb": NOTEBOOK,
}

"""The client of .ci/production-smoke: log in over the TLS proxy's header, load the main
pages and a static file, fail on any unexpected status. Standard library only."""

import argparse
import base64
import hashlib
import hmac
import http.client
import re
import struct
import sys
import time
from html import unescape
from urllib.parse import urlencode, urlsplit

DEMO_USER = "redaktoer"
DEMO_PASSWORD = "sorplan-demo-2026"

# Pages a SOR-team editor reads: each must answer 200.
PAGES = [
    "/",
    "/tidslinje/",
    "/trend/",
    "/plan/",
    "/plan/maal/",
    "/plan/aktiviteter/",
    "/plan/milepaele/",
    "/plan/baselines/",
    "/plan/aendringer/",
    "/plan/rapportering/",
    "/plan/rapportering/runder/",
    "/plan/udrulning/",
    "/parter/",
    "/statusrapporter/",
    "/kan-shak-slukkes/",
    "/register/",
    "/styring/",
    "/styring/risici/",
    "/styring/beslutninger/",
    "/styring/handlinger/",
    "/styring/problemer/",
    "/styring/moeder/",
    "/medcom/",
    "/medcom/udvikling/",
    "/personer/",
    "/profil/",
    "/profil/tokens/",
    "/profil/kalender/",
    "/privatliv/",
    "/konto/sikkerhedslog/",
    "/api/v1/docs/",
    "/api/v1/openapi.json",
    "/api/v1/status/",
]


def totp(secret_text: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), as an authenticator app computes it."""
    secret = secret_text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


class Smoke:
    def __init__(self, base: str, host: str):
        url = urlsplit(base)
        self.address = (url.hostname, url.port)
        self.host = host
        self.cookies: dict[str, str] = {}
        self.failures: list[str] = []

    def request(self, method, path, body=None, headers=None, proxied=True):
        conn = http.client.HTTPConnection(*self.address, timeout=60)
        all_headers = {"Host": self.host}
        if proxied:
            # What the TLS proxy in front of gunicorn adds.
            all_headers["X-Forwarded-Proto"] = "https"
            all_headers["X-Forwarded-For"] = "192.0.2.10"
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers.update(headers or {})
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                self.cookies[cookie_name] = rest.split(";", 1)[0]
        conn.close()
        return response, data

    def expect(self, path, status, response, data=b""):
        print(f"{response.status} {path}")
        if response.status != status:
            self.failures.append(f"{path}: {response.status}, expected {status}")
        if response.status >= 500:
            print(data.decode(errors="replace")[:2000], file=sys.stderr)

    def wait_until_up(self, seconds=60):
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.request("GET", "/konto/log-ind/")
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def run(self) -> int:
        self.wait_until_up()
        self.cookies.clear()

        # Plain HTTP (no proxy header) is sent to HTTPS.
        response, _ = self.request("GET", "/konto/log-ind/", proxied=False)
        self.expect("/konto/log-ind/ over plain HTTP", 301, response)
        if not response.getheader("Location", "").startswith(f"https://{self.host}/"):
            self.failures.append(f"plain HTTP redirects to {response.getheader('Location')}")

        response, data = self.request("GET", "/konto/log-ind/")
        self.expect("/konto/log-ind/", 200, response, data)
        if "max-age=31536000" not in (response.getheader("Strict-Transport-Security") or ""):
            self.failures.append("no HSTS header on the log-in page")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
        if not token:
            self.failures.append("no CSRF token on the log-in page")
            return self.report()
        body = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": DEMO_USER,
                "password": DEMO_PASSWORD,
                "next": "/",
            }
        )
        response, data = self.request(
            "POST",
            "/konto/log-ind/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{self.host}",
                "Referer": f"https://{self.host}/konto/log-ind/",
            },
        )
        self.expect("POST /konto/log-ind/", 302, response, data)
        if "sessionid" not in self.cookies:
            self.failures.append("log-in set no session cookie")
            return self.report()
        if not self.two_factor_set_up():
            return self.report()

        pages = {}
        for path in PAGES:
            response, data = self.request("GET", path)
            self.expect(path, 200, response, data)
            pages[path] = data.decode(errors="replace")

        # An activity and a milestone, found on their lists.
        for list_path, pattern in [
            ("/plan/aktiviteter/", r'href="(/plan/aktiviteter/[\w-]+/)"'),
            ("/plan/milepaele/", r'href="(/plan/milepaele/[\w-]+/)"'),
        ]:
            found = [p for p in re.findall(pattern, pages.get(list_path, "")) if "/ny/" not in p]
            if not found:
                self.failures.append(f"no detail link on {list_path}")
                continue
            response, data = self.request("GET", found[0])
            self.expect(found[0], 200, response, data)

        # A static file, by its hashed name from the manifest.
        css = re.search(
            r'href="(/static/vendor/dkfds-11\.2\.0/css/dkfds\.min\.[0-9a-f]+\.css)"', pages["/"]
        )
        if not css:
            self.failures.append("the dashboard does not link the hashed DKFDS stylesheet")
        else:
            response, data = self.request("GET", unescape(css.group(1)))
            self.expect(css.group(1), 200, response, data)

        # The Danish error page, in production.
        response, data = self.request("GET", "/findes-ikke/")
        self.expect("/findes-ikke/", 404, response, data)
        if b"Siden findes ikke" not in data:
            self.failures.append("the 404 page is not sorplan's Danish page")
        return self.report()

    def two_factor_set_up(self) -> bool:
        """An editor must set up two-factor before any page: do it as a person would,
        reading the key off the set-up page and typing the app's code."""
        response, data = self.request("GET", "/")
        if response.status != 302 or "/konto/totrin/" not in response.getheader("Location", ""):
            self.failures.append(f"an editor without two-factor got {response.status} on /")
            return False
        response, data = self.request("GET", "/konto/totrin/")
        self.expect("/konto/totrin/", 200, response, data)
        secret = re.search(rb'class="sp-secret">([A-Z2-7 ]+)<', data)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
        if not (secret and token):
            self.failures.append("the two-factor set-up page shows no key or no form")
            return False
        body = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "code": totp(secret.group(1).decode()),
            }
        )
        response, data = self.request(
            "POST",
            "/konto/totrin/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{self.host}",
                "Referer": f"https://{self.host}/konto/totrin/",
            },
        )
        self.expect("POST /konto/totrin/", 200, response, data)
        if b"gendannelseskode" not in data:
            self.failures.append("two-factor set-up did not show the recovery codes")
            return False
        return True

    def report(self) -> int:
        if self.failures:
            print("Production smoke test FAILED:", file=sys.stderr)
            for failure in self.failures:
                print(f"- {failure}", file=sys.stderr)
            return 1
        return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--host", required=True)
    args = parser.parse_args()
    return Smoke(args.base, args.host).run()


if __name__ == "__main__":
    sys.exit(main())

from django.conf import settings


def client_ip(request) -> str | None:
    """The address of the person's browser, also behind the TLS proxy.

    Each trusted proxy appends the address it saw to X-Forwarded-For, so with N
    proxies the N-th entry from the right is the one no client can forge (entries
    further left are whatever the client sent). Without proxies, REMOTE_ADDR.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")

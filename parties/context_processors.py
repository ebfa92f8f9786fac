from .access import request_access


def access(request):
    """Expose the user's rights to templates as `access` (edit controls, navigation)."""
    return {"access": request_access(request)}

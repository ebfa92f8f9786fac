from .demo import DEMO_NOTICE, demo_data_loaded


def demo_data(request):
    """`demo_data_loaded` for the banner on every page (one cached flag)."""
    loaded = demo_data_loaded()
    return {"demo_data_loaded": loaded, "demo_notice": DEMO_NOTICE if loaded else ""}


def demo_mail_context() -> dict:
    """The demo notice for every e-mail while demo data is loaded (core.mail's hook)."""
    return {"demo_notice": DEMO_NOTICE} if demo_data_loaded() else {}

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render


@login_not_required
def accessibility(request):
    """Tilgængelighedserklæring: required of Danish public-sector sites, open to all."""
    return render(request, "accessibility.html")


def no_membership(request):
    """Shown to a logged-in person who belongs to no party."""
    return render(request, "parties/no_membership.html")

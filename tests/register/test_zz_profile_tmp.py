import cProfile, pstats, io, time
import pytest
from bench.register_pages import _import_file
from register.imports import register_import

pytestmark = pytest.mark.django_db

def test_profile(system_user):
    data = _import_file(rows=1000, state="shak", forecast="K3 2027")
    changed = _import_file(rows=1000, state="shak_and_sor", forecast="K4 2027")
    for label, d in (("new", data), ("same", data), ("changed", changed)):
        pr = cProfile.Profile()
        t = time.perf_counter()
        pr.enable()
        register_import(data=d, filename="p.csv", user=system_user)
        pr.disable()
        print(label, time.perf_counter() - t)
        s = io.StringIO()
        pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(25)
        print(s.getvalue()[:6000])

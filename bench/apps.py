from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Development tooling only: the synthetic programme and the bench commands.

    No models, no URLs; always installed (the bench runs with production settings),
    and nothing in the project imports it.
    """

    name = "bench"
    verbose_name = "Bench"  # shown nowhere: no models, no admin

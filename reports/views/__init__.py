"""The reports app's pages by topic: `dashboard` (the dashboard, the timeline and the
trend chart) and `status_reports` (the monthly status reports)."""

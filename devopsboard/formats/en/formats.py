"""One way to write a date across the app (`{{ value|date }}`, `|date:"DATETIME_FORMAT"`, forms).

Django's English locale would write "Dec. 20, 2026" where our explicit formats wrote "2026-12-06 03:32";
these replace the locale's so that every page, plain `{{ value }}` included, writes the second. Times are
shown in the active time zone (`USE_TZ`).
"""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "M j"

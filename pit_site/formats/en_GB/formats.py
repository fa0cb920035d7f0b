# One date format for staff and patients: "3 Dec 2026", and "3 Dec 2026, 14:05" with a time.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"

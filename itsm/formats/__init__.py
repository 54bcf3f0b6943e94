"""Date and number formats where Django's for a language do not suit the organisation.

The desk serves European organisations: English is written with the day first and a
24-hour clock ("2 December 2026, 14:05"), not Django's American default ("Dec. 2,
2026, 2:05 p.m."). Swedish, Dutch and Chinese keep Django's own formats, which already
follow their custom.
"""

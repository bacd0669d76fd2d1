#pragma once

#include "core/result.h"

#include <QDateTime>
#include <QString>

namespace keyward {

// Parses a time given on the command line (DESIGN.md "CLI": "Times: RFC 3339 or relative").
//
// Accepted forms, surrounding whitespace ignored:
//  - RFC 3339 date-time with an offset: `2026-11-26T07:01:02Z`, `2026-11-26t07:01:02.345+01:00`
//    (`T`, `t` or one space between date and time; any number of fraction digits, cut to
//    milliseconds; `Z`/`z` or `±hh:mm`). A time without an offset is refused: it would be ambiguous.
//  - RFC 3339 full-date `2026-11-26`: midnight UTC that day.
//  - Relative `<N><unit>` meaning that long before `now`: unit `s`, `m`, `h`, `d` or `w`
//    (`15m`, `2h`, `7d`); N is 0 to 999999999.
// Returns the instant in UTC, or an Error with code "usage" whose message names the accepted forms.
Result<QDateTime> parseTimeSpec(const QString &text, const QDateTime &now = QDateTime::currentDateTimeUtc());

// Formats an instant as the audit log stores it: UTC RFC 3339 with milliseconds,
// `2026-11-26T07:01:02.345Z`. An invalid QDateTime gives an empty string.
QString formatRfc3339Ms(const QDateTime &time);

} // namespace keyward

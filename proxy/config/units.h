#pragma once

#include <optional>

#include "config/config.h"

#include "core/result.h"

#include <QString>

namespace keyward {

// Units of the admin commands' flags (`--timeout 30s`, `--max-response 10MiB`). Parse errors
// have code "usage" and a phrase that reads after the flag name ("expects ...", "is too large").

// `1500ms`, `30s`, `2m` (or `2min`), `1h`: a whole number and a unit, no space; returns
// milliseconds. A bare number is refused (the unit would be a guess).
Result<qint64> parseDurationMs(const QString &text);

// `1000` or `1000B` (bytes), `512KiB`, `10MiB`, `1GiB` (powers of 1024; units case-insensitive).
// Decimal units (kB, MB) are refused, since 10MB would be ambiguous.
Result<qint64> parseByteSize(const QString &text);

// The shortest exact form in the same units: 30000 → "30s", 1500 → "1500ms", 120000 → "2m".
QString formatDurationMs(qint64 ms);
// 10485760 → "10MiB", 1536 → "1536B" ... exact, powers of 1024.
QString formatByteSize(qint64 bytes);

// The period of a rate limit as config.json and the CLI spell it: s, min, h, day.
QString ratePerName(RatePer per);
std::optional<RatePer> ratePerFromName(QStringView name);

} // namespace keyward

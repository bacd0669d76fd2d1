#include "alerts/alert.h"

#include <QStringList>

namespace keyward {

QString severityName(AlertSeverity severity)
{
    switch (severity) {
    case AlertSeverity::Info:
        return QStringLiteral("info");
    case AlertSeverity::Warning:
        return QStringLiteral("warning");
    case AlertSeverity::Critical:
        return QStringLiteral("critical");
    }
    return QStringLiteral("warning");
}

std::optional<AlertSeverity> severityFromName(const QString &name)
{
    if (name == QLatin1String("info"))
        return AlertSeverity::Info;
    if (name == QLatin1String("warning"))
        return AlertSeverity::Warning;
    if (name == QLatin1String("critical"))
        return AlertSeverity::Critical;
    return std::nullopt;
}

const QStringList &alertCategories()
{
    using namespace alert_categories;
    static const QStringList categories = {
        QString::fromLatin1(kDenialBurst),    QString::fromLatin1(kRateLimit),      QString::fromLatin1(kNewAgent),
        QString::fromLatin1(kNewPattern),     QString::fromLatin1(kOutsideSchedule), QString::fromLatin1(kVolumeSpike),
        QString::fromLatin1(kUpstreamErrors), QString::fromLatin1(kExfiltration),   QString::fromLatin1(kKeychain),
        QString::fromLatin1(kKillSwitch),     QString::fromLatin1(kAccessChange)};
    return categories;
}

} // namespace keyward

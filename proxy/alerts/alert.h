#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace keyward {

// How bad an alert is (the `severity` column of the alerts table, DESIGN.md "Audit").
enum class AlertSeverity { Info, Warning, Critical };

// "info", "warning", "critical".
QString severityName(AlertSeverity severity);
// The severity of a stored name; nullopt for anything else.
std::optional<AlertSeverity> severityFromName(const QString &name);

// The alert categories, one per rule of the AlertEngine (audit/alerts table `category`, config
// settings.notifications.rules keys, notification throttling unit).
namespace alert_categories {
inline constexpr const char *kDenialBurst = "denial_burst";       // N denied calls of one agent in a window
inline constexpr const char *kRateLimit = "rate_limit";           // a call refused by a rate limit
inline constexpr const char *kNewAgent = "new_agent";             // the first call of an agent never seen
inline constexpr const char *kNewPattern = "new_pattern";         // a known agent on a service or path it never used
inline constexpr const char *kOutsideSchedule = "outside_schedule"; // a call outside a schedule
inline constexpr const char *kVolumeSpike = "volume_spike";       // calls per minute far above the agent's baseline
inline constexpr const char *kUpstreamErrors = "upstream_errors"; // 5xx, timeouts, TLS failures of one service
inline constexpr const char *kExfiltration = "exfiltration";      // forbidden headers, guard refusals, credential endpoints, probing
inline constexpr const char *kKeychain = "keychain";              // the secret could not be read
inline constexpr const char *kKillSwitch = "kill_switch";         // a kill switch was engaged
inline constexpr const char *kAccessChange = "access_change";     // a change that widens access, or a config hand edit
} // namespace alert_categories

// Every category, in the order settings and the CLI list them.
const QStringList &alertCategories();

// One row of the `alerts` table: something unusual an agent did, in plain words, with the audit
// rows it is about (first_seq..last_seq) and how many events it stands for (`count` grows while
// the same thing keeps happening: coalesced, see AlertEngine).
struct Alert {
    qint64 id = 0;    // assigned by AlertStore::insert
    QDateTime time;   // UTC, when the alert was raised
    AlertSeverity severity = AlertSeverity::Warning;
    QString category; // one of alert_categories
    QString agent;    // empty when the alert is about no single agent
    QString service;  // empty when the alert is about no single service
    QString message;  // what happened and what to do, for a person; never a secret
    qint64 firstSeq = 0;
    qint64 lastSeq = 0;
    int count = 1;
    bool seen = false;
    std::optional<QString> actionTaken; // what Keyward did on its own, e.g. "killed agent 'bot'"
};

} // namespace keyward

Q_DECLARE_METATYPE(keyward::Alert)

#pragma once

#include "core/result.h"

#include <nlohmann/json.hpp>

#include <QString>
#include <QStringList>

#include <map>
#include <string>

namespace keyward {

// The settings of one alert rule (config settings.notifications.rules.<category>). Which fields a
// category reads is listed in alertsettings.cpp (kRuleKeys); the others keep their defaults and
// are refused in the file.
struct AlertRuleSettings {
    bool enabled = true;   // the rule raises alerts at all
    bool notify = true;    // its new alerts become desktop notifications
    bool autoKill = false; // its alerts stop the agent at once (KillState agent switch)
    int count = 1;         // events of one agent (or service) within windowSeconds that raise it
    int windowSeconds = 60;
    double zScore = 4.0;   // volume_spike: how many standard deviations above the baseline
    int minCalls = 20;     // volume_spike: fewer calls in a minute are never a spike
    int learningCalls = 50; // new_pattern: calls of an agent before new paths count as unusual
    QStringList schedule;  // outside_schedule: when calls are expected (schedule entries); empty =
                           // only calls a policy schedule refused raise it

    bool operator==(const AlertRuleSettings &) const = default;
};

// settings.notifications in config.json (DESIGN.md "Files"), e.g.
//   {"enabled": true, "quietHours": "22:00-07:00",
//    "rules": {"denial_burst": {"count": 5, "windowSeconds": 60}, "new_agent": {"notify": true},
//              "exfiltration": {"autoKill": false}}}
// Every field is optional; `{}` is every default. Alerts are always stored; these settings only
// decide which rules run, which notify and which stop the agent.
struct AlertSettings {
    bool enabled = true;  // desktop notifications at all
    QString quietHours;   // one schedule entry ("22:00-07:00", "Sat-Sun 00:00-24:00"): no notification
                          // then except critical ones; empty = none
    std::map<QString, AlertRuleSettings> rules; // every category of alertCategories()

    // The defaults: every rule on and notifying, except new_agent (stored, not notified); only
    // exfiltration stops the agent.
    static AlertSettings defaults();
    // The settings of `category` (the defaults of an unknown one).
    const AlertRuleSettings &rule(const QString &category) const;

    bool operator==(const AlertSettings &) const = default;
};

// Reads settings.notifications. On a bad value the error (code "invalid_config") reads
// "<pointer>: <problem>" with the JSON pointer relative to the notifications object
// ("/rules/denial_burst/count: must be between 1 and 10000"); `problemPointer`, when given, gets
// that pointer alone and the message the problem alone, for callers that prefix their own pointer.
Result<AlertSettings> alertSettingsFromJson(const nlohmann::json &object, std::string *problemPointer = nullptr);
// The same from the text Config keeps (Settings::notificationsJson); invalid text gives the defaults'
// error as above with pointer "".
Result<AlertSettings> alertSettingsFromText(const QString &text);
// Only the fields that differ from the defaults, so `{}` round-trips.
nlohmann::json alertSettingsToJson(const AlertSettings &settings);

} // namespace keyward

#include "alerts/alertsettings.h"

#include "alerts/alert.h"
#include "policy/schedule.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace keyward {

using json = nlohmann::json;

namespace {

using namespace alert_categories;

// The keys every rule takes, then the extra ones per category.
const std::vector<std::string> kCommonKeys = {"enabled", "notify", "autoKill"};
const std::vector<std::string> kWindowKeys = {"count", "windowSeconds"};

std::vector<std::string> ruleKeys(const QString &category)
{
    std::vector<std::string> keys = kCommonKeys;
    auto add = [&keys](const std::vector<std::string> &more) { keys.insert(keys.end(), more.begin(), more.end()); };
    if (category == QLatin1String(kDenialBurst) || category == QLatin1String(kRateLimit) ||
        category == QLatin1String(kUpstreamErrors) || category == QLatin1String(kExfiltration) ||
        category == QLatin1String(kKeychain))
        add(kWindowKeys);
    if (category == QLatin1String(kOutsideSchedule)) {
        add(kWindowKeys);
        add({"schedule"});
    }
    if (category == QLatin1String(kVolumeSpike))
        add({"zScore", "minCalls"});
    if (category == QLatin1String(kNewPattern))
        add({"learningCalls"});
    return keys;
}

struct Problem {
    std::string pointer;
    QString problem;
};

[[noreturn]] void fail(const std::string &pointer, const QString &problem) { throw Problem{pointer, problem}; }

QString joined(const std::vector<std::string> &names)
{
    QStringList out;
    for (const auto &name : names)
        out << QString::fromStdString(name);
    return out.join(QStringLiteral(", "));
}

void checkKeys(const json &object, const std::string &pointer, const std::vector<std::string> &allowed)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
            fail(pointer + '/' + it.key(), QStringLiteral("unknown key; allowed here: ") + joined(allowed));
    }
}

bool boolAt(const json &value, const std::string &pointer)
{
    if (!value.is_boolean())
        fail(pointer, QStringLiteral("expected true or false"));
    return value.get<bool>();
}

int intAt(const json &value, const std::string &pointer, int min, int max)
{
    if (!value.is_number_integer())
        fail(pointer, QStringLiteral("expected a whole number"));
    const qint64 number = value.get<qint64>();
    if (number < min || number > max)
        fail(pointer, QStringLiteral("must be between %1 and %2").arg(min).arg(max));
    return int(number);
}

double numberAt(const json &value, const std::string &pointer, double min, double max)
{
    if (!value.is_number())
        fail(pointer, QStringLiteral("expected a number"));
    const double number = value.get<double>();
    if (!std::isfinite(number) || number < min || number > max)
        fail(pointer, QStringLiteral("must be between %1 and %2").arg(min).arg(max));
    return number;
}

QString stringAt(const json &value, const std::string &pointer)
{
    if (!value.is_string())
        fail(pointer, QStringLiteral("expected a string"));
    return QString::fromStdString(value.get<std::string>());
}

AlertRuleSettings ruleDefaults(const QString &category)
{
    AlertRuleSettings rule;
    if (category == QLatin1String(kDenialBurst) || category == QLatin1String(kUpstreamErrors))
        rule.count = 5;
    if (category == QLatin1String(kNewAgent))
        rule.notify = false;
    if (category == QLatin1String(kExfiltration)) {
        rule.autoKill = true;
        rule.windowSeconds = 300;
    }
    return rule;
}

AlertRuleSettings readRule(const json &value, const std::string &pointer, const QString &category)
{
    if (!value.is_object())
        fail(pointer, QStringLiteral("expected an object"));
    checkKeys(value, pointer, ruleKeys(category));
    AlertRuleSettings rule = ruleDefaults(category);
    auto at = [&](const char *key) -> const json * {
        const auto it = value.find(key);
        return it == value.end() ? nullptr : &*it;
    };
    const auto ptr = [&](const char *key) { return pointer + '/' + key; };
    if (const json *v = at("enabled"))
        rule.enabled = boolAt(*v, ptr("enabled"));
    if (const json *v = at("notify"))
        rule.notify = boolAt(*v, ptr("notify"));
    if (const json *v = at("autoKill"))
        rule.autoKill = boolAt(*v, ptr("autoKill"));
    if (const json *v = at("count"))
        rule.count = intAt(*v, ptr("count"), 1, 10000);
    if (const json *v = at("windowSeconds"))
        rule.windowSeconds = intAt(*v, ptr("windowSeconds"), 1, 86400);
    if (const json *v = at("zScore"))
        rule.zScore = numberAt(*v, ptr("zScore"), 1.0, 100.0);
    if (const json *v = at("minCalls"))
        rule.minCalls = intAt(*v, ptr("minCalls"), 1, 1000000);
    if (const json *v = at("learningCalls"))
        rule.learningCalls = intAt(*v, ptr("learningCalls"), 0, 1000000);
    if (const json *v = at("schedule")) {
        if (!v->is_array())
            fail(ptr("schedule"), QStringLiteral("expected an array of entries such as \"Mon-Fri 08:00-20:00\""));
        for (std::size_t i = 0; i < v->size(); ++i)
            rule.schedule << stringAt((*v)[i], ptr("schedule") + '/' + std::to_string(i));
        if (const auto parsed = policy::parseSchedule(rule.schedule); !parsed)
            fail(ptr("schedule"), parsed.error().message);
    }
    return rule;
}

} // namespace

AlertSettings AlertSettings::defaults()
{
    AlertSettings settings;
    for (const QString &category : alertCategories())
        settings.rules[category] = ruleDefaults(category);
    return settings;
}

const AlertRuleSettings &AlertSettings::rule(const QString &category) const
{
    const auto found = rules.find(category);
    if (found != rules.end())
        return found->second;
    static const AlertRuleSettings fallback;
    return fallback;
}

Result<AlertSettings> alertSettingsFromJson(const json &object, std::string *problemPointer)
{
    try {
        if (!object.is_object())
            fail("", QStringLiteral("expected an object"));
        checkKeys(object, "", {"enabled", "quietHours", "rules"});
        AlertSettings settings = AlertSettings::defaults();
        if (const auto it = object.find("enabled"); it != object.end())
            settings.enabled = boolAt(*it, "/enabled");
        if (const auto it = object.find("quietHours"); it != object.end()) {
            settings.quietHours = stringAt(*it, "/quietHours");
            if (!settings.quietHours.isEmpty()) {
                if (const auto window = policy::parseScheduleWindow(settings.quietHours); !window)
                    fail("/quietHours", window.error().message);
            }
        }
        if (const auto it = object.find("rules"); it != object.end()) {
            if (!it->is_object())
                fail("/rules", QStringLiteral("expected an object with one key per category"));
            std::vector<std::string> names;
            for (const QString &category : alertCategories())
                names.push_back(category.toStdString());
            checkKeys(*it, "/rules", names);
            for (auto rule = it->begin(); rule != it->end(); ++rule) {
                const QString category = QString::fromStdString(rule.key());
                settings.rules[category] = readRule(rule.value(), "/rules/" + rule.key(), category);
            }
        }
        return settings;
    } catch (const Problem &problem) {
        if (problemPointer) {
            *problemPointer = problem.pointer;
            return Error{QStringLiteral("invalid_config"), problem.problem};
        }
        const QString where = problem.pointer.empty() ? QStringLiteral("settings.notifications")
                                                      : QString::fromStdString(problem.pointer);
        return Error{QStringLiteral("invalid_config"), where + QStringLiteral(": ") + problem.problem};
    }
}

Result<AlertSettings> alertSettingsFromText(const QString &text)
{
    const json parsed = json::parse(text.toStdString(), nullptr, false);
    return alertSettingsFromJson(parsed);
}

json alertSettingsToJson(const AlertSettings &settings)
{
    const AlertSettings defaults = AlertSettings::defaults();
    json out = json::object();
    if (settings.enabled != defaults.enabled)
        out["enabled"] = settings.enabled;
    if (!settings.quietHours.isEmpty())
        out["quietHours"] = settings.quietHours.toStdString();
    json rules = json::object();
    for (const auto &[category, rule] : settings.rules) {
        const AlertRuleSettings base = defaults.rule(category);
        json fields = json::object();
        if (rule.enabled != base.enabled)
            fields["enabled"] = rule.enabled;
        if (rule.notify != base.notify)
            fields["notify"] = rule.notify;
        if (rule.autoKill != base.autoKill)
            fields["autoKill"] = rule.autoKill;
        if (rule.count != base.count)
            fields["count"] = rule.count;
        if (rule.windowSeconds != base.windowSeconds)
            fields["windowSeconds"] = rule.windowSeconds;
        if (rule.zScore != base.zScore)
            fields["zScore"] = rule.zScore;
        if (rule.minCalls != base.minCalls)
            fields["minCalls"] = rule.minCalls;
        if (rule.learningCalls != base.learningCalls)
            fields["learningCalls"] = rule.learningCalls;
        if (rule.schedule != base.schedule) {
            json entries = json::array();
            for (const QString &entry : rule.schedule)
                entries.push_back(entry.toStdString());
            fields["schedule"] = entries;
        }
        if (!fields.empty())
            rules[category.toStdString()] = fields;
    }
    if (!rules.empty())
        out["rules"] = rules;
    return out;
}

} // namespace keyward

// parseRule + decide over fuzzed rule text and paths. Input: lines; every line but the last is a
// rule whose first character picks the action (a/d/k = allow/deny/ask), the last line is the
// path; the first byte picks the method. Properties: no crash, canonical rules read back to
// themselves, decide is deterministic, and a deny rule on `/**` denies everything.
#include "fuzzcheck.h"

#include "policy/pathnormalizer.h"
#include "policy/rulematcher.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <cstddef>
#include <cstdint>

using namespace keyward;
using namespace keyward::policy;

namespace {

RuleAction actionFor(QChar c)
{
    switch (c.toLatin1()) {
    case 'd':
        return RuleAction::Deny;
    case 'k':
        return RuleAction::Ask;
    default:
        return RuleAction::Allow;
    }
}

QString methodFor(uint8_t selector)
{
    const QStringList &methods = supportedMethods();
    const int index = selector % (methods.size() + 2);
    if (index < methods.size())
        return methods.at(index);
    return index == methods.size() ? QStringLiteral("get") : QStringLiteral("TRACE");
}

Rule mustParse(const char *text, RuleAction action)
{
    const auto rule = parseRule(QString::fromLatin1(text), action);
    FUZZ_CHECK(rule.ok());
    return rule.value();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const QString method = methodFor(data[0]);
    const QList<QByteArray> lines = QByteArray(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1)).split('\n');
    if (lines.size() > 64)
        return 0;

    Policy policy;
    for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
        const QString line = QString::fromUtf8(lines.at(i));
        if (line.isEmpty())
            continue;
        const RuleAction action = actionFor(line.at(0));
        const auto rule = parseRule(line.mid(1), action);
        if (!rule.ok()) {
            FUZZ_CHECK(!rule.error().message.isEmpty());
            continue;
        }
        // The canonical form reads back to itself.
        const auto reparsed = parseRule(ruleToText(rule.value()), action);
        FUZZ_CHECK(reparsed.ok());
        FUZZ_CHECK(reparsed.value() == rule.value());
        const auto validated = validateRule(rule.value());
        FUZZ_CHECK(validated.ok());
        FUZZ_CHECK(validated.value() == rule.value());
        policy.rules.append(rule.value());
    }

    const auto normalized = normalizePath(QString::fromUtf8(lines.last()));
    const QString path = normalized.ok() ? normalized.value() : QStringLiteral("/");

    const RuleDecision first = decide(policy, method, path);
    const Policy copy = policy;
    FUZZ_CHECK(decide(copy, method, path) == first);
    FUZZ_CHECK(decide(policy, method, path) == first);
    for (const Rule &rule : policy.rules)
        FUZZ_CHECK(ruleMatches(rule, method, path) == ruleMatches(rule, method, path));

    static const Rule denyAll = mustParse("* /**", RuleAction::Deny);
    Policy denied = policy;
    denied.rules.append(denyAll);
    FUZZ_CHECK(ruleMatches(denyAll, method, path));
    FUZZ_CHECK(decide(denied, method, path).action == RuleAction::Deny);
    denied.rules.prepend(denyAll);
    FUZZ_CHECK(decide(denied, method, path).action == RuleAction::Deny);

    // An allow rule on `/**` with no deny or ask rule allows everything.
    static const Rule allowAll = mustParse("* /**", RuleAction::Allow);
    Policy allowed;
    allowed.rules.append(allowAll);
    FUZZ_CHECK(decide(allowed, method, path).action == RuleAction::Allow);
    return 0;
}

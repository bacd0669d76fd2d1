#include "policy/rulematcher.h"

#include "policy/pathnormalizer.h"

#include <QList>
#include <QRegularExpression>

#include <optional>
#include <vector>

namespace keyward::policy {

namespace {

Error invalidRule(const QString &text, const QString &problem)
{
    return Error{QStringLiteral("invalid_argument"), QStringLiteral("Rule \"%1\": %2").arg(text, problem)};
}

QStringList splitSegments(const QString &path)
{
    QString trimmed = path;
    if (trimmed.size() > 1 && trimmed.endsWith(u'/'))
        trimmed.chop(1);
    if (trimmed == u"/")
        return {};
    return trimmed.mid(1).split(u'/');
}

// Wildcard match of one segment: `*` in `pattern` is any run of characters (no `/` can occur).
bool segmentMatches(QStringView pattern, QStringView text)
{
    qsizetype p = 0, t = 0, star = -1, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern.at(p) != u'*' && pattern.at(p) == text.at(t)) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern.at(p) == u'*') {
            star = p++;
            resume = t;
        } else if (star >= 0) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern.at(p) == u'*')
        ++p;
    return p == pattern.size();
}

// Segment-wise glob match; `**` spans zero or more segments. Dynamic programming over
// (glob index, path index), so several `**` never backtrack exponentially.
bool globMatches(const QStringList &glob, const QStringList &path)
{
    const qsizetype g = glob.size(), n = path.size();
    // reach[j]: glob[0..i) can match path[0..j)
    std::vector<char> reach(size_t(n + 1), 0), next(size_t(n + 1), 0);
    reach[0] = 1;
    for (qsizetype i = 0; i < g; ++i) {
        std::fill(next.begin(), next.end(), 0);
        const QString &segment = glob.at(i);
        if (segment == u"**") {
            char any = 0;
            for (qsizetype j = 0; j <= n; ++j) {
                any = any || reach[size_t(j)];
                next[size_t(j)] = any;
            }
        } else {
            for (qsizetype j = 0; j < n; ++j) {
                if (reach[size_t(j)] && segmentMatches(segment, path.at(j)))
                    next[size_t(j + 1)] = 1;
            }
        }
        reach.swap(next);
    }
    return reach[size_t(n)];
}

} // namespace

const QStringList &supportedMethods()
{
    static const QStringList methods{QStringLiteral("GET"),    QStringLiteral("HEAD"),   QStringLiteral("POST"),
                                     QStringLiteral("PUT"),    QStringLiteral("PATCH"),  QStringLiteral("DELETE"),
                                     QStringLiteral("OPTIONS")};
    return methods;
}

bool isSupportedMethod(const QString &method)
{
    return supportedMethods().contains(method);
}

Result<Rule> validateRule(const Rule &rule)
{
    const QString text = ruleToText(rule);
    if (rule.method != u"*" && !isSupportedMethod(rule.method)) {
        if (isSupportedMethod(rule.method.toUpper()))
            return invalidRule(text, QStringLiteral("methods are uppercase: write %1.").arg(rule.method.toUpper()));
        return invalidRule(text, QStringLiteral("the method must be one of %1, or * for any.")
                                     .arg(supportedMethods().join(QStringLiteral(" "))));
    }
    if (!rule.path.startsWith(u'/'))
        return invalidRule(text, QStringLiteral("the path must start with `/` (relative to the base URL), e.g. "
                                                "/users/**."));
    const QStringList raw = rule.path.mid(1).split(u'/');
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const QString &segment = raw.at(i);
        if (segment.isEmpty() && i != raw.size() - 1)
            return invalidRule(text, QStringLiteral("the path has an empty segment (`//`): remove it."));
        if (segment == u"." || segment == u"..")
            return invalidRule(text, QStringLiteral("the path may not contain `.` or `..` segments: write the "
                                                    "path they stand for."));
        if (segment.contains(QStringLiteral("**")) && segment != u"**")
            return invalidRule(text, QStringLiteral("`**` must be a whole segment (e.g. /files/**): use `*` inside "
                                                    "a segment."));
    }
    const Result<QString> normalized = normalizePath(rule.path);
    if (!normalized)
        return invalidRule(text, normalized.error().message);
    Rule canonical = rule;
    canonical.path = *normalized;
    if (canonical.path.size() > 1 && canonical.path.endsWith(u'/'))
        canonical.path.chop(1);
    return canonical;
}

Result<Rule> parseRule(const QString &text, RuleAction action)
{
    static const QRegularExpression whitespace(QStringLiteral("\\s+"));
    const QStringList parts = text.trimmed().split(whitespace, Qt::SkipEmptyParts);
    if (parts.size() != 2)
        return invalidRule(text, QStringLiteral("write a method and a path separated by a space, e.g. "
                                                "\"GET /users/**\"."));
    Rule rule;
    rule.action = action;
    rule.method = parts.at(0);
    rule.path = parts.at(1);
    return validateRule(rule);
}

QString ruleToText(const Rule &rule)
{
    return rule.method + u' ' + rule.path;
}

bool ruleMatches(const Rule &rule, const QString &method, const QString &normalizedPath)
{
    if (rule.method != u"*" && rule.method != method)
        return false;
    if (!normalizedPath.startsWith(u'/') || !rule.path.startsWith(u'/'))
        return false;
    // Normalized paths and rule globs are ASCII, so toLower() folds exactly the ASCII letters.
    if (rule.action == RuleAction::Allow)
        return globMatches(splitSegments(rule.path), splitSegments(normalizedPath));
    return globMatches(splitSegments(rule.path.toLower()), splitSegments(normalizedPath.toLower()));
}

RuleDecision decide(const Policy &policy, const QString &method, const QString &normalizedPath)
{
    std::optional<Rule> deny, ask, allow;
    bool grants = false;
    for (const Rule &configured : policy.rules) {
        const Result<Rule> rule = validateRule(configured);
        if (!rule)
            return {RuleAction::Deny, kDefaultInvalidRule};
        grants = grants || rule->action != RuleAction::Deny;
        if (!ruleMatches(*rule, method, normalizedPath))
            continue;
        std::optional<Rule> &slot = rule->action == RuleAction::Deny ? deny
            : rule->action == RuleAction::Ask                         ? ask
                                                                      : allow;
        if (!slot)
            slot = *rule;
    }
    for (const std::optional<Rule> *winner : {&deny, &ask, &allow}) {
        if (*winner)
            return {(*winner)->action, ruleToText(**winner)};
    }
    if (!grants) {
        const bool readOnly = method == u"GET" || method == u"HEAD";
        return {readOnly ? RuleAction::Allow : RuleAction::Deny, kDefaultReadOnly};
    }
    return {RuleAction::Deny, kDefaultNoMatchingRule};
}

} // namespace keyward::policy

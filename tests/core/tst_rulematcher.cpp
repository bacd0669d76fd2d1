// Rule parsing, glob matching and the allow/ask/deny decision, including the classic path
// bypasses run through normalizePath first.

#include "policy/pathnormalizer.h"
#include "policy/rulematcher.h"

#include <QtTest>

using keyward::Policy;
using keyward::Rule;
using keyward::RuleAction;
using keyward::policy::decide;
using keyward::policy::normalizePath;
using keyward::policy::parseRule;
using keyward::policy::ruleMatches;
using keyward::policy::ruleToText;
using keyward::policy::validateRule;

Q_DECLARE_METATYPE(keyward::RuleAction)

namespace {

// "allow GET /a; deny * /b/**" → a policy with those rules, in order.
Policy policyOf(const QString &spec)
{
    Policy policy;
    for (const QString &entry : spec.split(u';', Qt::SkipEmptyParts)) {
        const QString trimmed = entry.trimmed();
        const qsizetype space = trimmed.indexOf(u' ');
        const QString action = trimmed.left(space);
        const RuleAction parsedAction = action == u"deny" ? RuleAction::Deny
            : action == u"ask"                             ? RuleAction::Ask
                                                           : RuleAction::Allow;
        const auto rule = parseRule(trimmed.mid(space + 1), parsedAction);
        if (!rule.ok())
            qFatal("bad rule in test spec: %s", qPrintable(rule.error().message));
        policy.rules.append(*rule);
    }
    return policy;
}

} // namespace

class TestRuleMatcher : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void validRuleIsParsedToCanonicalForm_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("path");

        QTest::newRow("get everything") << "GET /**" << "GET" << "/**";
        QTest::newRow("any method") << "* /admin/**" << "*" << "/admin/**";
        QTest::newRow("head") << "HEAD /" << "HEAD" << "/";
        QTest::newRow("post literal") << "POST /users" << "POST" << "/users";
        QTest::newRow("put single star") << "PUT /users/*" << "PUT" << "/users/*";
        QTest::newRow("patch star in the middle") << "PATCH /repos/*/issues/*" << "PATCH" << "/repos/*/issues/*";
        QTest::newRow("delete") << "DELETE /users/*/keys/**" << "DELETE" << "/users/*/keys/**";
        QTest::newRow("options") << "OPTIONS /**" << "OPTIONS" << "/**";
        QTest::newRow("star inside a segment") << "GET /files/*.json" << "GET" << "/files/*.json";
        QTest::newRow("prefix star") << "GET /v*/models" << "GET" << "/v*/models";
        QTest::newRow("several stars in a segment") << "GET /a*b*c" << "GET" << "/a*b*c";
        QTest::newRow("two double stars") << "GET /**/raw/**" << "GET" << "/**/raw/**";
        QTest::newRow("surrounding whitespace") << "  GET   /users  " << "GET" << "/users";
        QTest::newRow("tab between") << "GET\t/users" << "GET" << "/users";
        QTest::newRow("trailing slash dropped") << "GET /users/" << "GET" << "/users";
        QTest::newRow("trailing slash after double star dropped") << "GET /a/**/" << "GET" << "/a/**";
        QTest::newRow("encoded unreserved decoded") << "GET /%7Euser/%61pi" << "GET" << "/~user/api";
        QTest::newRow("escape uppercased") << "GET /a%3ab" << "GET" << "/a%3Ab";
        QTest::newRow("non-ASCII encoded") << "GET /caf\u00e9" << "GET" << "/caf%C3%A9";
        QTest::newRow("at sign") << "GET /users/@me" << "GET" << "/users/@me";
    }
    void validRuleIsParsedToCanonicalForm()
    {
        QFETCH(QString, text);
        QFETCH(QString, method);
        QFETCH(QString, path);
        const auto rule = parseRule(text, RuleAction::Ask);
        QVERIFY2(rule.ok(), qPrintable(rule.ok() ? QString() : rule.error().message));
        QCOMPARE(rule->action, RuleAction::Ask);
        QCOMPARE(rule->method, method);
        QCOMPARE(rule->path, path);
        QCOMPARE(ruleToText(*rule), method + u' ' + path);
        // The text reads back to the same rule.
        const auto again = parseRule(ruleToText(*rule), RuleAction::Ask);
        QVERIFY(again.ok());
        QCOMPARE(*again, *rule);
    }

    void invalidRuleIsRejected_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("hint"); // part of the message

        QTest::newRow("empty") << "" << "method and a path";
        QTest::newRow("method only") << "GET" << "method and a path";
        QTest::newRow("path only") << "/users" << "method and a path";
        QTest::newRow("three words") << "GET /a /b" << "method and a path";
        QTest::newRow("lowercase method") << "get /users" << "write GET";
        QTest::newRow("mixed case method") << "Delete /users" << "write DELETE";
        QTest::newRow("unknown method") << "TRACE /users" << "one of GET HEAD";
        QTest::newRow("connect method") << "CONNECT /" << "one of GET";
        QTest::newRow("path without slash") << "GET users" << "start with `/`";
        QTest::newRow("absolute URL") << "GET https://x.com/a" << "start with `/`";
        QTest::newRow("empty segment") << "GET /a//b" << "empty segment";
        QTest::newRow("leading double slash") << "GET //a" << "empty segment";
        QTest::newRow("dot segment") << "GET /a/./b" << "`..`";
        QTest::newRow("dot dot segment") << "GET /public/../private" << "`..`";
        QTest::newRow("triple star") << "GET /a/***" << "whole segment";
        QTest::newRow("double star inside a segment") << "GET /a**" << "whole segment";
        QTest::newRow("query") << "GET /a?b=c" << "`?`";
        QTest::newRow("fragment") << "GET /a#b" << "`#`";
        QTest::newRow("backslash") << "GET /a\\b" << "backslash";
        QTest::newRow("semicolon") << "GET /a;b" << "`;`";
        QTest::newRow("encoded slash") << "GET /a%2Fb" << "%2F";
        QTest::newRow("encoded dot") << "GET /a/%2E%2E" << "%2E";
        QTest::newRow("bad escape") << "GET /a%G1" << "malformed";
        QTest::newRow("control character") << "GET /a\x01" << "control";
    }
    void invalidRuleIsRejected()
    {
        QFETCH(QString, text);
        QFETCH(QString, hint);
        const auto rule = parseRule(text, RuleAction::Allow);
        QVERIFY(!rule.ok());
        QCOMPARE(rule.error().code, QStringLiteral("invalid_argument"));
        QVERIFY2(rule.error().message.contains(hint), qPrintable(rule.error().message));
    }

    void globMatchesSegmentWise_data()
    {
        QTest::addColumn<QString>("rule");
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("matches");

        QTest::newRow("literal matches itself") << "GET /users" << "GET" << "/users" << true;
        QTest::newRow("literal ignores trailing slash") << "GET /users" << "GET" << "/users/" << true;
        QTest::newRow("literal is not a prefix") << "GET /users" << "GET" << "/users/1" << false;
        QTest::newRow("literal needs whole segment") << "GET /users" << "GET" << "/usersx" << false;
        QTest::newRow("literal shorter path") << "GET /users/1" << "GET" << "/users" << false;
        QTest::newRow("method must match") << "GET /users" << "POST" << "/users" << false;
        QTest::newRow("GET does not cover HEAD") << "GET /users" << "HEAD" << "/users" << false;
        QTest::newRow("any method") << "* /users" << "DELETE" << "/users" << true;
        QTest::newRow("root rule matches root") << "GET /" << "GET" << "/" << true;
        QTest::newRow("root rule only root") << "GET /" << "GET" << "/a" << false;
        QTest::newRow("double star matches root") << "GET /**" << "GET" << "/" << true;
        QTest::newRow("double star matches deep") << "GET /**" << "GET" << "/a/b/c/d" << true;
        QTest::newRow("prefix double star matches the prefix itself") << "GET /public/**" << "GET" << "/public" << true;
        QTest::newRow("prefix double star matches prefix slash") << "GET /public/**" << "GET" << "/public/" << true;
        QTest::newRow("prefix double star matches child") << "GET /public/**" << "GET" << "/public/a" << true;
        QTest::newRow("prefix double star matches grandchild") << "GET /public/**" << "GET" << "/public/a/b" << true;
        QTest::newRow("prefix double star not a sibling") << "GET /public/**" << "GET" << "/publicity" << false;
        QTest::newRow("prefix double star not another tree") << "GET /public/**" << "GET" << "/private/a" << false;
        QTest::newRow("single star matches one segment") << "GET /public/*" << "GET" << "/public/x" << true;
        QTest::newRow("single star not two segments") << "GET /public/*" << "GET" << "/public/x/y" << false;
        QTest::newRow("single star not zero segments") << "GET /public/*" << "GET" << "/public" << false;
        QTest::newRow("single star not the bare slash") << "GET /public/*" << "GET" << "/public/" << false;
        QTest::newRow("single star in the middle") << "GET /repos/*/issues" << "GET" << "/repos/kw/issues" << true;
        QTest::newRow("single star in the middle needs it") << "GET /repos/*/issues" << "GET" << "/repos/issues" << false;
        QTest::newRow("double star in the middle zero") << "GET /a/**/z" << "GET" << "/a/z" << true;
        QTest::newRow("double star in the middle many") << "GET /a/**/z" << "GET" << "/a/b/c/z" << true;
        QTest::newRow("double star in the middle wrong end") << "GET /a/**/z" << "GET" << "/a/b/c/y" << false;
        QTest::newRow("two double stars") << "GET /**/raw/**" << "GET" << "/x/y/raw/z" << true;
        QTest::newRow("two double stars need the literal") << "GET /**/raw/**" << "GET" << "/x/y/z" << false;
        QTest::newRow("star suffix in a segment") << "GET /files/*.json" << "GET" << "/files/a.json" << true;
        QTest::newRow("star suffix wrong extension") << "GET /files/*.json" << "GET" << "/files/a.jsonx" << false;
        QTest::newRow("star suffix stays in the segment") << "GET /files/*.json" << "GET" << "/files/a/b.json" << false;
        QTest::newRow("star prefix in a segment") << "GET /v*/models" << "GET" << "/v1/models" << true;
        QTest::newRow("star matches empty within a segment") << "GET /v*/models" << "GET" << "/v/models" << true;
        QTest::newRow("star prefix wrong start") << "GET /v*/models" << "GET" << "/x1/models" << false;
        QTest::newRow("several stars in a segment") << "GET /a*b*c" << "GET" << "/a-x-b-y-c" << true;
        QTest::newRow("several stars in a segment order") << "GET /a*b*c" << "GET" << "/a-c-b" << false;
        QTest::newRow("allow rule is case-sensitive") << "GET /public/**" << "GET" << "/PUBLIC/a" << false;
        QTest::newRow("escapes compared canonically") << "GET /caf\u00e9" << "GET" << "/caf%C3%A9" << true;
        QTest::newRow("star matches escapes") << "GET /files/*" << "GET" << "/files/a%20b" << true;
        QTest::newRow("literal escaped star") << "GET /a%2A" << "GET" << "/a%2A" << true;
        QTest::newRow("literal escaped star is not raw star") << "GET /a%2A" << "GET" << "/a*" << false;
    }
    void globMatchesSegmentWise()
    {
        QFETCH(QString, rule);
        QFETCH(QString, method);
        QFETCH(QString, path);
        QFETCH(bool, matches);
        const auto parsed = parseRule(rule, RuleAction::Allow);
        QVERIFY(parsed.ok());
        QCOMPARE(ruleMatches(*parsed, method, path), matches);
    }

    void denyAndAskRulesIgnoreCase_data()
    {
        QTest::addColumn<QString>("path");

        QTest::newRow("uppercase") << "/ADMIN/users";
        QTest::newRow("mixed case") << "/Admin/users";
        QTest::newRow("exact") << "/admin/users";
        QTest::newRow("uppercase with trailing slash") << "/ADMIN/";
    }
    void denyAndAskRulesIgnoreCase()
    {
        QFETCH(QString, path);
        const auto deny = parseRule(QStringLiteral("* /admin/**"), RuleAction::Deny);
        const auto ask = parseRule(QStringLiteral("* /admin/**"), RuleAction::Ask);
        QVERIFY(ruleMatches(*deny, QStringLiteral("GET"), path));
        QVERIFY(ruleMatches(*ask, QStringLiteral("GET"), path));
    }

    void deepGlobMatchingStaysFast()
    {
        // Many `**` against a long path: dynamic programming, not exponential backtracking.
        const auto rule = parseRule(QStringLiteral("GET /**/a/**/a/**/a/**/a/**/a/**/b"), RuleAction::Allow);
        QVERIFY(rule.ok());
        QStringList segments(200, QStringLiteral("a"));
        const QString path = u'/' + segments.join(u'/');
        QElapsedTimer timer;
        timer.start();
        QVERIFY(!ruleMatches(*rule, QStringLiteral("GET"), path));
        QVERIFY(ruleMatches(*rule, QStringLiteral("GET"), path + QStringLiteral("/b")));
        QVERIFY(timer.elapsed() < 1000);
        const auto star = parseRule(QStringLiteral("GET /*a*a*a*a*a*a*a*b"), RuleAction::Allow);
        QVERIFY(!ruleMatches(*star, QStringLiteral("GET"), u'/' + QString(2000, u'a')));
        QVERIFY(timer.elapsed() < 1000);
    }

    void decisionFollowsPrecedence_data()
    {
        QTest::addColumn<QString>("rules");
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<RuleAction>("action");
        QTest::addColumn<QString>("rule");

        const RuleAction allow = RuleAction::Allow, deny = RuleAction::Deny, ask = RuleAction::Ask;
        QTest::newRow("no rules allows GET") << "" << "GET" << "/anything/at/all" << allow << "default:read-only";
        QTest::newRow("no rules allows HEAD") << "" << "HEAD" << "/" << allow << "default:read-only";
        QTest::newRow("no rules denies POST") << "" << "POST" << "/users" << deny << "default:read-only";
        QTest::newRow("no rules denies DELETE") << "" << "DELETE" << "/users/1" << deny << "default:read-only";
        QTest::newRow("no rules denies OPTIONS") << "" << "OPTIONS" << "/" << deny << "default:read-only";
        QTest::newRow("only deny rules keep read-only GET") << "deny GET /secret/**" << "GET" << "/public" << allow
                                                            << "default:read-only";
        QTest::newRow("only deny rules keep read-only POST denied") << "deny GET /secret/**" << "POST" << "/public"
                                                                    << deny << "default:read-only";
        QTest::newRow("only deny rules deny their match") << "deny GET /secret/**" << "GET" << "/secret/x" << deny
                                                          << "GET /secret/**";
        QTest::newRow("allow rule grants") << "allow POST /users" << "POST" << "/users" << allow << "POST /users";
        QTest::newRow("allow rule ends read-only") << "allow POST /users" << "GET" << "/users" << deny
                                                   << "default:no-matching-rule";
        QTest::newRow("ask rule ends read-only") << "ask DELETE /users/*" << "GET" << "/users" << deny
                                                 << "default:no-matching-rule";
        QTest::newRow("ask rule asks") << "ask DELETE /users/*" << "DELETE" << "/users/7" << ask << "DELETE /users/*";
        QTest::newRow("deny wins over allow") << "allow * /**; deny DELETE /**" << "DELETE" << "/x" << deny
                                              << "DELETE /**";
        QTest::newRow("deny wins over allow listed later") << "deny DELETE /**; allow * /**" << "DELETE" << "/x" << deny
                                                           << "DELETE /**";
        QTest::newRow("deny wins over ask") << "ask * /**; deny * /admin/**" << "GET" << "/admin/x" << deny
                                            << "* /admin/**";
        QTest::newRow("ask wins over allow") << "allow * /**; ask POST /payments/**" << "POST" << "/payments/1" << ask
                                             << "POST /payments/**";
        QTest::newRow("ask wins over allow listed later") << "ask POST /payments/**; allow * /**" << "POST"
                                                          << "/payments" << ask << "POST /payments/**";
        QTest::newRow("allow when deny does not match") << "allow * /**; deny DELETE /**" << "GET" << "/x" << allow
                                                        << "* /**";
        QTest::newRow("first matching allow names the decision") << "allow GET /a/**; allow GET /**" << "GET" << "/a/b"
                                                                 << allow << "GET /a/**";
        QTest::newRow("first matching deny names the decision") << "deny GET /a/*; deny * /a/**" << "GET" << "/a/b"
                                                                << deny << "GET /a/*";
        QTest::newRow("non-matching allow falls to no-match") << "allow GET /public/**" << "GET" << "/private" << deny
                                                              << "default:no-matching-rule";
        QTest::newRow("deny survives trailing slash") << "allow * /**; deny DELETE /users/1" << "DELETE" << "/users/1/"
                                                      << deny << "DELETE /users/1";
        QTest::newRow("deny survives uppercase path") << "allow * /**; deny * /admin/**" << "GET" << "/ADMIN/x" << deny
                                                      << "* /admin/**";
        QTest::newRow("ask survives mixed case path") << "allow * /**; ask * /billing/**" << "GET" << "/Billing" << ask
                                                      << "* /billing/**";
        QTest::newRow("allow does not widen by case") << "allow GET /public/**" << "GET" << "/PUBLIC/x" << deny
                                                      << "default:no-matching-rule";
    }
    void decisionFollowsPrecedence()
    {
        QFETCH(QString, rules);
        QFETCH(QString, method);
        QFETCH(QString, path);
        QFETCH(RuleAction, action);
        QFETCH(QString, rule);
        const auto decision = decide(policyOf(rules), method, path);
        QCOMPARE(decision.action, action);
        QCOMPARE(decision.rule, rule);
    }

    void invalidRuleInPolicyDeniesEverything_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("path");

        QTest::newRow("lowercase method") << "get" << "/**";
        QTest::newRow("relative path") << "GET" << "users";
        QTest::newRow("dot segment") << "GET" << "/a/../b";
        QTest::newRow("partial double star") << "GET" << "/a**";
    }
    void invalidRuleInPolicyDeniesEverything()
    {
        QFETCH(QString, method);
        QFETCH(QString, path);
        Policy policy;
        policy.rules.append(Rule{RuleAction::Allow, QStringLiteral("GET"), QStringLiteral("/**")});
        policy.rules.append(Rule{RuleAction::Deny, method, path});
        const auto decision = decide(policy, QStringLiteral("GET"), QStringLiteral("/users"));
        QCOMPARE(decision.action, RuleAction::Deny);
        QCOMPARE(decision.rule, QStringLiteral("default:invalid-rule"));
    }

    void configuredRuleIsMatchedInCanonicalForm()
    {
        // A rule written by hand in config.json, not canonical: still matches the normalized path.
        Policy policy;
        policy.rules.append(Rule{RuleAction::Deny, QStringLiteral("GET"), QStringLiteral("/%7Eadmin/")});
        policy.rules.append(Rule{RuleAction::Allow, QStringLiteral("*"), QStringLiteral("/**")});
        const auto decision = decide(policy, QStringLiteral("GET"), *normalizePath(QStringLiteral("/~admin")));
        QCOMPARE(decision.action, RuleAction::Deny);
        QCOMPARE(decision.rule, QStringLiteral("GET /~admin"));
    }

    void publicDotDotBypassIsClosed_data()
    {
        // Each raw path tries to reach /private through a rule that allows only /public/**.
        // Either the normalizer refuses it, or the decision is not the allow rule.
        QTest::addColumn<QString>("raw");

        QTest::newRow("plain dot dot") << "/public/../private";
        QTest::newRow("dot dot with trailing slash") << "/public/../private/";
        QTest::newRow("dot dot after dot") << "/public/./../private";
        QTest::newRow("dot dot after double slash") << "/public//../private";
        QTest::newRow("two levels") << "/public/a/../../private";
        QTest::newRow("encoded dot dot") << "/public/%2E%2E/private";
        QTest::newRow("encoded dot dot lowercase") << "/public/%2e%2e/private";
        QTest::newRow("half encoded dot dot") << "/public/%2E./private";
        QTest::newRow("other half encoded") << "/public/.%2E/private";
        QTest::newRow("double-encoded dot dot") << "/public/%252E%252E/private";
        QTest::newRow("encoded slash") << "/public%2F..%2Fprivate";
        QTest::newRow("encoded dot dot slash") << "/public/..%2Fprivate";
        QTest::newRow("backslash") << "/public\\..\\private";
        QTest::newRow("encoded backslash") << "/public/..%5Cprivate";
        QTest::newRow("overlong dot") << "/public/%C0%AE%C0%AE/private";
        QTest::newRow("three-byte overlong dot") << "/public/%E0%80%AE%E0%80%AE/private";
        QTest::newRow("overlong slash") << "/public/..%C0%AFprivate";
        QTest::newRow("fullwidth dots") << "/public/\uff0e\uff0e/private";
        QTest::newRow("encoded fullwidth dots") << "/public/%EF%BC%8E%EF%BC%8E/private";
        QTest::newRow("one dot leader pair") << "/public/\u2025/private";
        QTest::newRow("semicolon dot dot") << "/public/..;/private";
        QTest::newRow("encoded semicolon") << "/public/..%3B/private";
        QTest::newRow("NUL after public") << "/public%00/../private";
        QTest::newRow("IIS unicode escape") << "/public/%u002e%u002e/private";
        QTest::newRow("query hides the rest") << "/private?/public/x";
        QTest::newRow("fragment hides the rest") << "/private#/public/x";
        QTest::newRow("scheme-relative") << "//public/../private";
        QTest::newRow("uppercase prefix") << "/PUBLIC/../private";
        QTest::newRow("dot dot directly under root") << "/../private";
    }
    void publicDotDotBypassIsClosed()
    {
        QFETCH(QString, raw);
        Policy policy = policyOf(QStringLiteral("allow GET /public/**"));
        const auto normalized = normalizePath(raw);
        if (!normalized.ok()) {
            QVERIFY(normalized.error().code.startsWith(u"guard:"));
            return;
        }
        const auto decision = decide(policy, QStringLiteral("GET"), *normalized);
        QCOMPARE(decision.action, RuleAction::Deny);
        QCOMPARE(decision.rule, QStringLiteral("default:no-matching-rule"));
    }

    void publicPathsStillAllowed_data()
    {
        QTest::addColumn<QString>("raw");

        QTest::newRow("the prefix") << "/public";
        QTest::newRow("a child") << "/public/readme";
        QTest::newRow("dot dot inside the prefix") << "/public/a/../b";
        QTest::newRow("encoded letters") << "/%70ublic/x";
        QTest::newRow("inner double slash") << "/public//x";
    }
    void publicPathsStillAllowed()
    {
        QFETCH(QString, raw);
        const auto normalized = normalizePath(raw);
        QVERIFY(normalized.ok());
        const auto decision = decide(policyOf(QStringLiteral("allow GET /public/**")), QStringLiteral("GET"), *normalized);
        QCOMPARE(decision.action, RuleAction::Allow);
        QCOMPARE(decision.rule, QStringLiteral("GET /public/**"));
    }

    void supportedMethodsAreTheDesignList()
    {
        QCOMPARE(keyward::policy::supportedMethods(),
                 QStringList({QStringLiteral("GET"), QStringLiteral("HEAD"), QStringLiteral("POST"), QStringLiteral("PUT"),
                              QStringLiteral("PATCH"), QStringLiteral("DELETE"), QStringLiteral("OPTIONS")}));
        QVERIFY(!keyward::policy::isSupportedMethod(QStringLiteral("get")));
        QVERIFY(!keyward::policy::isSupportedMethod(QStringLiteral("*")));
    }

    void validateRuleKeepsActionAndCanonicalizes()
    {
        const auto rule = validateRule(Rule{RuleAction::Deny, QStringLiteral("DELETE"), QStringLiteral("/a%5fb/")});
        QVERIFY(rule.ok());
        QCOMPARE(rule->action, RuleAction::Deny);
        QCOMPARE(rule->path, QStringLiteral("/a_b"));
    }
};

QTEST_APPLESS_MAIN(TestRuleMatcher)
#include "tst_rulematcher.moc"

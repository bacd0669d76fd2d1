// The service templates (wizard and `service add --template`): each yields a service that passes
// the checks of `keyward service add`, is least-privilege by default, and lets its own test call
// through the gate's rules; fields are required and checked.

#include "config/configjson.h"
#include "config/validation.h"
#include "policy/rulematcher.h"
#include "templates/servicetemplates.h"

#include <QRegularExpression>
#include <QSet>
#include <QtTest>

using namespace keyward;

namespace {

// The values a template's fields need, from each field's example.
TemplateInput exampleInput(const ServiceTemplate &tmpl)
{
    TemplateInput input;
    input.serviceName = QStringLiteral("svc");
    for (const TemplateField &field : tmpl.fields)
        input.fields[field.id] = field.example;
    if (tmpl.isCustom())
        input.baseUrl = QStringLiteral("https://api.example.com/v1/");
    return input;
}

QString headerValue(const ServiceConfig &service, const QString &name)
{
    for (const auto &[header, value] : service.setHeaders) {
        if (header.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

const ServiceTemplate &byId(const char *id)
{
    const ServiceTemplate *tmpl = findServiceTemplate(QString::fromLatin1(id));
    Q_ASSERT(tmpl);
    return *tmpl;
}

} // namespace

class TestServiceTemplates : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void idsAreStableAndUnique()
    {
        // The ids are a contract (`--template ID`, saved wizard state): this list only grows.
        const QStringList expected = {QStringLiteral("github"),    QStringLiteral("stripe"),      QStringLiteral("openai"),
                                      QStringLiteral("anthropic"), QStringLiteral("slack"),       QStringLiteral("notion"),
                                      QStringLiteral("linear"),    QStringLiteral("sendgrid"),    QStringLiteral("twilio"),
                                      QStringLiteral("google-maps"), QStringLiteral("cloudflare"), QStringLiteral("airtable"),
                                      QStringLiteral("custom")};
        QCOMPARE(serviceTemplateIds(), expected);
        QCOMPARE(QSet<QString>(expected.cbegin(), expected.cend()).size(), expected.size());
        static const QRegularExpression idPattern(QStringLiteral("^[a-z0-9-]+$"));
        for (const ServiceTemplate &tmpl : serviceTemplates()) {
            QVERIFY2(idPattern.match(tmpl.id).hasMatch(), qPrintable(tmpl.id));
            QVERIFY2(!tmpl.displayName.isEmpty(), qPrintable(tmpl.id));
            QVERIFY(findServiceTemplate(tmpl.id) == &tmpl);
        }
        QVERIFY(!findServiceTemplate(QStringLiteral("GitHub")));
        QVERIFY(!findServiceTemplate(QString()));
    }

    void everyTemplateYieldsAValidService_data()
    {
        QTest::addColumn<QString>("id");
        for (const ServiceTemplate &tmpl : serviceTemplates())
            QTest::newRow(qPrintable(tmpl.id)) << tmpl.id;
    }
    void everyTemplateYieldsAValidService()
    {
        QFETCH(QString, id);
        const ServiceTemplate &tmpl = *findServiceTemplate(id);
        const auto service = serviceFromTemplate(tmpl, exampleInput(tmpl));
        QVERIFY2(service.ok(), qPrintable(service ? QString() : service.error().message));
        QVERIFY(validateNewService(QStringLiteral("svc"), *service).ok());
        // What the file would hold reads back equal.
        Config config;
        config.services[QStringLiteral("svc")] = *service;
        const auto reread = parseConfig(serializeConfig(config));
        QVERIFY2(reread.ok(), qPrintable(reread ? QString() : reread.error().message));
        QCOMPARE(reread->services.at(QStringLiteral("svc")).baseUrl, service->baseUrl);

        QVERIFY2(service->baseUrl.startsWith(QLatin1String("https://")), qPrintable(service->baseUrl));
        QVERIFY(!service->baseUrl.contains(u'{'));
        QVERIFY(!service->auth.username.contains(u'{'));
        for (const Rule &rule : service->policy.rules)
            QVERIFY2(!rule.path.contains(u'{'), qPrintable(rule.path));

        if (!tmpl.isCustom()) {
            QVERIFY(!service->description.isEmpty());
            QVERIFY(!tmpl.keyHint.isEmpty());
            QVERIFY2(tmpl.keyPageUrl.startsWith(QLatin1String("https://")), qPrintable(tmpl.keyPageUrl));
            QVERIFY(config_check::baseUrlProblem(tmpl.keyPageUrl).isEmpty());
            QVERIFY(!service->testPath.isEmpty());
            QVERIFY(config_check::requestPathProblem(service->testPath).isEmpty());
            // `service test` GETs the test path through the gate: the default rules must let it by.
            const auto decision = policy::decide(service->policy, QStringLiteral("GET"), service->testPath);
            QVERIFY2(decision.action == RuleAction::Allow, qPrintable(decision.rule));
        }
    }

    void defaultPoliciesAreLeastPrivilege_data() { everyTemplateYieldsAValidService_data(); }
    void defaultPoliciesAreLeastPrivilege()
    {
        QFETCH(QString, id);
        const ServiceTemplate &tmpl = *findServiceTemplate(id);
        const Policy &policy = tmpl.policy;
        QVERIFY(!policy.rules.isEmpty());
        QVERIFY(policy.rate.has_value());
        QVERIFY(policy.rate->n > 0 && policy.rate->n <= 60 && policy.rate->per == RatePer::Minute);
        for (const Rule &rule : policy.rules) {
            QVERIFY2(rule.method != QLatin1String("*"), qPrintable(rule.path));
            const bool write = rule.method != QLatin1String("GET") && rule.method != QLatin1String("HEAD");
            if (write && rule.action == RuleAction::Allow)
                QVERIFY2(!tmpl.writeReason.isEmpty(), qPrintable(rule.method + u' ' + rule.path));
            QVERIFY(config_check::ruleMethodProblem(rule.method).isEmpty());
            QVERIFY(config_check::rulePathProblem(rule.path).isEmpty());
        }
        // Destructive methods are never allowed, on any path.
        for (const char *method : {"DELETE", "PUT", "PATCH"}) {
            for (const char *path : {"/", "/anything", "/v1/customers/cus_1", "/repos/o/r"}) {
                const auto decision = policy::decide(policy, QString::fromLatin1(method), QString::fromLatin1(path));
                QVERIFY2(decision.action == RuleAction::Deny, qPrintable(tmpl.id + u' ' + QLatin1String(method)));
            }
        }
    }

    void readOnlyTemplatesNeedNoReason()
    {
        for (const char *id : {"github", "stripe", "slack", "twilio", "google-maps", "cloudflare", "airtable", "sendgrid"}) {
            const ServiceTemplate &tmpl = byId(id);
            QVERIFY2(tmpl.writeReason.isEmpty(), id);
            QCOMPARE(policy::decide(tmpl.policy, QStringLiteral("POST"), QStringLiteral("/x")).action, RuleAction::Deny);
        }
        // SendGrid may send mail only with the user's approval, one call at a time.
        QCOMPARE(policy::decide(byId("sendgrid").policy, QStringLiteral("POST"), QStringLiteral("/v3/mail/send")).action,
                 RuleAction::Ask);
        // The LLM APIs allow inference POSTs and say why.
        QCOMPARE(policy::decide(byId("anthropic").policy, QStringLiteral("POST"), QStringLiteral("/v1/messages")).action,
                 RuleAction::Allow);
        QCOMPARE(policy::decide(byId("openai").policy, QStringLiteral("POST"), QStringLiteral("/files")).action,
                 RuleAction::Deny);
    }

    void anthropicSendsItsVersionHeaderAndKeyHeader()
    {
        const auto service = serviceFromTemplate(byId("anthropic"), exampleInput(byId("anthropic")));
        QVERIFY(service.ok());
        QCOMPARE(headerValue(*service, QStringLiteral("anthropic-version")), QStringLiteral("2023-06-01"));
        QCOMPARE(service->auth.type, AuthType::Header);
        QCOMPARE(service->auth.header, QStringLiteral("x-api-key"));
        QVERIFY(service->auth.prefix.isEmpty());
        QCOMPARE(service->baseUrl, QStringLiteral("https://api.anthropic.com"));
    }

    void notionSendsItsVersionHeader()
    {
        const auto service = serviceFromTemplate(byId("notion"), exampleInput(byId("notion")));
        QVERIFY(service.ok());
        static const QRegularExpression date(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}$"));
        QVERIFY(date.match(headerValue(*service, QStringLiteral("Notion-Version"))).hasMatch());
        QCOMPARE(service->auth.type, AuthType::Bearer);
    }

    void twilioUsesBasicAuthWithTheAccountSid()
    {
        const ServiceTemplate &twilio = byId("twilio");
        QCOMPARE(twilio.fields.size(), 1);
        TemplateInput input;
        input.serviceName = QStringLiteral("sms");
        const QString sid = QStringLiteral("AC0123456789abcdef0123456789ABCDEF");
        input.fields[QStringLiteral("accountSid")] = QStringLiteral("  ") + sid + QStringLiteral("\n");
        const auto service = serviceFromTemplate(twilio, input);
        QVERIFY2(service.ok(), qPrintable(service ? QString() : service.error().message));
        QCOMPARE(service->auth.type, AuthType::Basic);
        QCOMPARE(service->auth.username, sid);
        QCOMPARE(service->baseUrl, QStringLiteral("https://api.twilio.com/2010-04-01/Accounts/") + sid);
        QCOMPARE(service->testPath, QStringLiteral("/Balance.json"));
    }

    void googleMapsUsesTheKeyQueryParameter()
    {
        const auto service = serviceFromTemplate(byId("google-maps"), exampleInput(byId("google-maps")));
        QVERIFY(service.ok());
        QCOMPARE(service->auth.type, AuthType::Query);
        QCOMPARE(service->auth.param, QStringLiteral("key"));
        QVERIFY(service->auth.header.isEmpty());
    }

    void missingFieldIsRefused()
    {
        TemplateInput input;
        input.serviceName = QStringLiteral("sms");
        const auto service = serviceFromTemplate(byId("twilio"), input);
        QVERIFY(!service.ok());
        QCOMPARE(service.error().code, QString::fromLatin1(template_errors::kMissingField));
        QVERIFY(service.error().message.contains(QLatin1String("accountSid")));
        input.fields[QStringLiteral("accountSid")] = QStringLiteral("   ");
        QCOMPARE(serviceFromTemplate(byId("twilio"), input).error().code, QString::fromLatin1(template_errors::kMissingField));
    }

    void invalidFieldIsRefusedWithoutQuotingIt_data()
    {
        QTest::addColumn<QString>("value");
        QTest::newRow("too short") << QStringLiteral("AC123");
        QTest::newRow("wrong prefix") << QStringLiteral("SK0123456789abcdef0123456789abcdef");
        QTest::newRow("path injection") << QStringLiteral("AC0123456789abcdef0123456789abcdef/../../x");
        QTest::newRow("query injection") << QStringLiteral("AC0123456789abcdef0123456789abcdef?x=1");
        QTest::newRow("non-hex") << QStringLiteral("ACzz23456789abcdef0123456789abcdef");
    }
    void invalidFieldIsRefusedWithoutQuotingIt()
    {
        QFETCH(QString, value);
        TemplateInput input;
        input.serviceName = QStringLiteral("sms");
        input.fields[QStringLiteral("accountSid")] = value;
        const auto service = serviceFromTemplate(byId("twilio"), input);
        QVERIFY(!service.ok());
        QCOMPARE(service.error().code, QString::fromLatin1(template_errors::kInvalidField));
        QVERIFY(service.error().message.contains(QLatin1String("Account SID")));
        QVERIFY(!service.error().message.contains(value));
    }

    void unknownFieldIsRefused()
    {
        TemplateInput input = exampleInput(byId("github"));
        input.fields[QStringLiteral("org")] = QStringLiteral("acme");
        const auto service = serviceFromTemplate(byId("github"), input);
        QVERIFY(!service.ok());
        QCOMPARE(service.error().code, QString::fromLatin1(template_errors::kInvalidField));
        QVERIFY(service.error().message.contains(QLatin1String("org")));
    }

    void serviceNameIsChecked()
    {
        TemplateInput input = exampleInput(byId("github"));
        input.serviceName = QStringLiteral("My GitHub");
        const auto service = serviceFromTemplate(byId("github"), input);
        QVERIFY(!service.ok());
        QCOMPARE(service.error().code, QStringLiteral("invalid_name"));
    }

    void customNeedsAValidBaseUrl()
    {
        const ServiceTemplate &custom = byId("custom");
        TemplateInput input;
        input.serviceName = QStringLiteral("mine");
        QVERIFY(!serviceFromTemplate(custom, input).ok());
        input.baseUrl = QStringLiteral("http://api.example.com");
        const auto plainHttp = serviceFromTemplate(custom, input);
        QVERIFY(!plainHttp.ok());
        QCOMPARE(plainHttp.error().code, QStringLiteral("config_invalid"));
        QVERIFY(plainHttp.error().message.contains(QLatin1String("/services/mine/baseUrl")));
        input.baseUrl = QStringLiteral("https://api.example.com/v1/");
        const auto service = serviceFromTemplate(custom, input);
        QVERIFY(service.ok());
        QCOMPARE(service->baseUrl, QStringLiteral("https://api.example.com/v1"));
        QVERIFY(service->testPath.isEmpty());
    }

    void trailingSlashesAreDropped()
    {
        QCOMPARE(config_check::withoutTrailingSlash(QStringLiteral("https://a.example/v1//")), QStringLiteral("https://a.example/v1"));
        QCOMPARE(config_check::withoutTrailingSlash(QStringLiteral("https://a.example/")), QStringLiteral("https://a.example"));
        QCOMPARE(config_check::withoutTrailingSlash(QStringLiteral("https://a.example")), QStringLiteral("https://a.example"));
    }
};

QTEST_APPLESS_MAIN(TestServiceTemplates)
#include "tst_servicetemplates.moc"

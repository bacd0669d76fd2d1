#include "templates/servicetemplates.h"

#include "config/configfile.h"
#include "config/configjson.h"
#include "config/validation.h"
#include "core/names.h"

#include <QRegularExpression>

#include <algorithm>

namespace keyward {

namespace {

// Facts below (base URLs, auth schemes, test endpoints, key pages) come from each vendor's API
// reference; where one could not be confirmed, the comment at the template says so.

Rule allow(const char *method, const char *path)
{
    return Rule{RuleAction::Allow, QString::fromLatin1(method), QString::fromLatin1(path)};
}

Rule ask(const char *method, const char *path)
{
    return Rule{RuleAction::Ask, QString::fromLatin1(method), QString::fromLatin1(path)};
}

// GET on each path.
QList<Rule> reads(std::initializer_list<const char *> paths)
{
    QList<Rule> rules;
    for (const char *path : paths)
        rules << allow("GET", path);
    return rules;
}

Policy leastPrivilege(QList<Rule> rules, int perMinute, int burst)
{
    Policy result;
    result.rules = std::move(rules);
    result.rate = RateLimit{RatePer::Minute, perMinute, burst};
    return result;
}

AuthConfig bearer() { return AuthConfig{AuthType::Bearer, {}, {}, {}, {}}; }
AuthConfig header(const char *name) { return AuthConfig{AuthType::Header, QString::fromLatin1(name), {}, {}, {}}; }

const QString kInferenceReason = QStringLiteral(
    "Generating text is a POST that changes no stored data; the rate limit caps what an agent can spend.");

QList<ServiceTemplate> buildTemplates()
{
    QList<ServiceTemplate> all;

    {
        ServiceTemplate t;
        t.id = QStringLiteral("github");
        t.displayName = QStringLiteral("GitHub");
        t.description = QStringLiteral("GitHub REST API");
        t.baseUrl = QStringLiteral("https://api.github.com");
        t.auth = bearer();
        // Pins the REST API version so responses keep their shape when GitHub releases a new one.
        t.setHeaders = {{QStringLiteral("X-GitHub-Api-Version"), QStringLiteral("2022-11-28")}};
        t.testPath = QStringLiteral("/user");
        t.keyPageUrl = QStringLiteral("https://github.com/settings/personal-access-tokens/new");
        t.keyHint = QStringLiteral("Create a fine-grained token for only the repositories the agent needs, with read-only "
                                   "Metadata, Contents, Issues and Pull requests.");
        t.policy = leastPrivilege(reads({"/user", "/users/**", "/repos/**", "/orgs/**", "/search/**", "/issues", "/notifications",
                                 "/rate_limit"}),
                          60, 60);
        all << t;
    }
    {
        ServiceTemplate t;
        t.id = QStringLiteral("stripe");
        t.displayName = QStringLiteral("Stripe");
        t.description = QStringLiteral("Stripe API");
        t.baseUrl = QStringLiteral("https://api.stripe.com");
        t.auth = bearer();
        // No Stripe-Version header: the account's default API version applies, as in Stripe's dashboard.
        t.testPath = QStringLiteral("/v1/balance");
        t.keyPageUrl = QStringLiteral("https://dashboard.stripe.com/apikeys");
        t.keyHint = QStringLiteral("Create a restricted key (rk_...) with Read on only the resources the agent needs; "
                                   "try it with a test-mode key first.");
        t.policy = leastPrivilege(reads({"/v1/balance", "/v1/balance_transactions/**", "/v1/charges/**", "/v1/customers/**",
                                 "/v1/invoices/**", "/v1/payment_intents/**", "/v1/products/**", "/v1/prices/**",
                                 "/v1/subscriptions/**", "/v1/events/**"}),
                          60, 60);
        all << t;
    }
    {
        ServiceTemplate t;
        t.id = QStringLiteral("openai");
        t.displayName = QStringLiteral("OpenAI");
        t.description = QStringLiteral("OpenAI API");
        // The SDKs' base URL includes /v1, so /proxy/<service> works as their base_url.
        t.baseUrl = QStringLiteral("https://api.openai.com/v1");
        t.auth = bearer();
        t.testPath = QStringLiteral("/models");
        t.keyPageUrl = QStringLiteral("https://platform.openai.com/api-keys");
        t.keyHint = QStringLiteral("Create a project key with Restricted permissions: Read on Models and Write only on the "
                                   "endpoints the agent uses (Responses, Chat completions, Embeddings); set a project budget.");
        t.policy = leastPrivilege(reads({"/models", "/models/*"}), 20, 20);
        t.policy.rules << allow("POST", "/responses") << allow("POST", "/chat/completions") << allow("POST", "/embeddings");
        t.writeReason = kInferenceReason;
        all << t;
    }
    {
        ServiceTemplate t;
        t.id = QStringLiteral("anthropic");
        t.displayName = QStringLiteral("Anthropic");
        t.description = QStringLiteral("Anthropic Claude API");
        t.baseUrl = QStringLiteral("https://api.anthropic.com");
        t.auth = header("x-api-key");
        t.setHeaders = {{QStringLiteral("anthropic-version"), QStringLiteral("2023-06-01")}};
        t.testPath = QStringLiteral("/v1/models");
        // The console moved to platform.claude.com in 2025; this address still leads to the key page.
        t.keyPageUrl = QStringLiteral("https://console.anthropic.com/settings/keys");
        t.keyHint = QStringLiteral("Anthropic keys have no scopes: create one in a workspace of its own with a spend limit.");
        t.policy = leastPrivilege(reads({"/v1/models", "/v1/models/*"}), 20, 20);
        t.policy.rules << allow("POST", "/v1/messages") << allow("POST", "/v1/messages/count_tokens");
        t.writeReason = kInferenceReason;
        all << t;
    }
    {
        ServiceTemplate t;
        t.id = QStringLiteral("slack");
        t.displayName = QStringLiteral("Slack");
        t.description = QStringLiteral("Slack Web API");
        t.baseUrl = QStringLiteral("https://slack.com/api");
        t.auth = bearer();
        // Slack's read methods accept GET with their arguments in the query string.
        t.testPath = QStringLiteral("/auth.test");
        t.keyPageUrl = QStringLiteral("https://api.slack.com/apps");
        t.keyHint = QStringLiteral("Create an app with only the bot scopes the agent needs (channels:read, channels:history, "
                                   "users:read), install it, and use its Bot User OAuth Token (xoxb-...).");
        t.policy = leastPrivilege(reads({"/auth.test", "/conversations.list", "/conversations.info", "/conversations.history",
                                 "/conversations.replies", "/users.list", "/users.info"}),
                          20, 20);
        all << t;
    }
    {
        ServiceTemplate t;
        t.id = QStringLiteral("notion");
        t.displayName = QStringLiteral("Notion");
        t.description = QStringLiteral("Notion API");
        t.baseUrl = QStringLiteral("https://api.notion.com");
        t.auth = bearer();
        // 2022-06-28 is the version most integrations use; 2025-09-03 (data sources) changes the
        // database endpoints, so it is not the default.
        t.setHeaders = {{QStringLiteral("Notion-Version"), QStringLiteral("2022-06-28")}};
        t.testPath = QStringLiteral("/v1/users/me");
        t.keyPageUrl = QStringLiteral("https://www.notion.so/profile/integrations");
        t.keyHint = QStringLiteral("Create an internal integration with only the Read content capability and share only the "
                                   "pages and databases the agent needs with it.");
        t.policy = leastPrivilege(reads({"/v1/users/me", "/v1/pages/**", "/v1/blocks/**", "/v1/databases/**"}), 60, 60);
        t.policy.rules << allow("POST", "/v1/search") << allow("POST", "/v1/databases/*/query");
        t.writeReason = QStringLiteral("Notion's search and database query are reads sent as POST; no other POST is allowed.");
        all << t;
    }
    {
        ServiceTemplate t;
        t.id = QStringLiteral("linear");
        t.displayName = QStringLiteral("Linear");
        t.description = QStringLiteral("Linear GraphQL API");
        t.baseUrl = QStringLiteral("https://api.linear.app");
        // Personal API keys go in Authorization as they are, without "Bearer " (OAuth tokens use Bearer).
        t.auth = header("Authorization");
        // Not confirmed: whether Linear answers a GET on /graphql (queries are normally POSTed). A
        // wrong key still gets 401 there, which is what `service test` needs to tell apart.
        t.testPath = QStringLiteral("/graphql");
        t.keyPageUrl = QStringLiteral("https://linear.app/settings/account/security");
        t.keyHint = QStringLiteral("Create a personal API key with only the Read permission (and only the teams the agent "
                                   "needs), so that Linear itself refuses mutations.");
        t.policy = leastPrivilege({allow("GET", "/graphql"), allow("POST", "/graphql")}, 30, 30);
        t.writeReason = QStringLiteral("Linear's API is GraphQL only: queries and mutations are both POST /graphql, so a "
                                       "read-only key is what keeps it read-only.");
        all << t;
    }
    {
        ServiceTemplate t;
        t.id = QStringLiteral("sendgrid");
        t.displayName = QStringLiteral("SendGrid");
        t.description = QStringLiteral("Twilio SendGrid v3 API");
        // EU regional subusers use https://api.eu.sendgrid.com instead.
        t.baseUrl = QStringLiteral("https://api.sendgrid.com");
        t.auth = bearer();
        t.testPath = QStringLiteral("/v3/scopes");
        t.keyPageUrl = QStringLiteral("https://app.sendgrid.com/settings/api_keys");
        t.keyHint = QStringLiteral("Create a Restricted Access key with Read on Stats, Suppressions and Templates, plus Mail "
                                   "Send only if the agent sends mail.");
        t.policy = leastPrivilege(reads({"/v3/scopes", "/v3/stats", "/v3/suppression/**", "/v3/templates/**"}), 30, 30);
        // Sending mail is not allowed outright: each send waits for the user's approval in the tray.
        t.policy.rules << ask("POST", "/v3/mail/send");
        all << t;
    }
    {
        ServiceTemplate t;
        t.id = QStringLiteral("twilio");
        t.displayName = QStringLiteral("Twilio");
        t.description = QStringLiteral("Twilio REST API");
        t.baseUrl = QStringLiteral("https://api.twilio.com/2010-04-01/Accounts/{accountSid}");
        t.auth = AuthConfig{AuthType::Basic, {}, {}, {}, QStringLiteral("{accountSid}")};
        t.testPath = QStringLiteral("/Balance.json");
        t.keyPageUrl = QStringLiteral("https://console.twilio.com/us1/account/keys-credentials/api-keys");
        t.keyHint = QStringLiteral("Prefer a Standard API key: make its SID (SK...) the user name and its secret the secret; "
                                   "the Account SID stays in the URL. With the Auth Token, the user name is the Account SID.");
        t.policy = leastPrivilege(reads({"/Balance.json", "/Messages.json", "/Messages/*", "/Calls.json", "/Calls/*",
                                 "/IncomingPhoneNumbers.json"}),
                          30, 30);
        t.fields = {TemplateField{QStringLiteral("accountSid"), QStringLiteral("Account SID"),
                                  QStringLiteral("On the Twilio Console's home page: AC followed by 32 hex digits."),
                                  QStringLiteral("AC[0-9a-fA-F]{32}"), QStringLiteral("AC") + QString(32, u'0')}};
        all << t;
    }
    {
        ServiceTemplate t;
        t.id = QStringLiteral("google-maps");
        t.displayName = QStringLiteral("Google Maps Platform");
        t.description = QStringLiteral("Google Maps web service APIs");
        t.baseUrl = QStringLiteral("https://maps.googleapis.com/maps/api");
        t.auth = AuthConfig{AuthType::Query, {}, {}, QStringLiteral("key"), {}};
        // Without an address Geocoding answers HTTP 200 with status INVALID_REQUEST (or
        // REQUEST_DENIED for a bad key). Not confirmed: whether such a request is billed.
        t.testPath = QStringLiteral("/geocode/json");
        t.keyPageUrl = QStringLiteral("https://console.cloud.google.com/google/maps-apis/credentials");
        t.keyHint = QStringLiteral("Restrict the key to the APIs the agent uses (Geocoding, Places, Directions...) and set a "
                                   "daily quota on each.");
        t.policy = leastPrivilege(reads({"/geocode/json", "/place/**", "/directions/json", "/distancematrix/json",
                                 "/timezone/json", "/elevation/json"}),
                          30, 30);
        all << t;
    }
    {
        ServiceTemplate t;
        t.id = QStringLiteral("cloudflare");
        t.displayName = QStringLiteral("Cloudflare");
        t.description = QStringLiteral("Cloudflare API v4");
        t.baseUrl = QStringLiteral("https://api.cloudflare.com/client/v4");
        t.auth = bearer();
        // User API tokens verify here without an account id; account-owned tokens verify at
        // /accounts/<id>/tokens/verify instead (set that as the test path for them).
        t.testPath = QStringLiteral("/user/tokens/verify");
        t.keyPageUrl = QStringLiteral("https://dash.cloudflare.com/profile/api-tokens");
        t.keyHint = QStringLiteral("Create a custom API token with only Read permissions (e.g. Zone Read, DNS Read) on the "
                                   "zones the agent needs.");
        t.policy = leastPrivilege(reads({"/user/tokens/verify", "/zones", "/zones/**", "/accounts", "/accounts/**"}), 60, 60);
        all << t;
    }
    {
        ServiceTemplate t;
        t.id = QStringLiteral("airtable");
        t.displayName = QStringLiteral("Airtable");
        t.description = QStringLiteral("Airtable Web API");
        t.baseUrl = QStringLiteral("https://api.airtable.com");
        t.auth = bearer();
        t.testPath = QStringLiteral("/v0/meta/whoami");
        t.keyPageUrl = QStringLiteral("https://airtable.com/create/tokens");
        t.keyHint = QStringLiteral("Create a personal access token with data.records:read and schema.bases:read, limited to "
                                   "the bases the agent needs.");
        // Airtable allows 5 requests per second per base.
        t.policy = leastPrivilege(reads({"/v0/meta/whoami", "/v0/meta/bases", "/v0/meta/bases/*/tables", "/v0/*/*", "/v0/*/*/*"}),
                          60, 5);
        all << t;
    }
    {
        ServiceTemplate t;
        t.id = QStringLiteral("custom");
        t.displayName = QStringLiteral("Custom");
        t.auth = bearer();
        t.policy = leastPrivilege({allow("GET", "/**"), allow("HEAD", "/**")}, 60, 60);
        all << t;
    }
    return all;
}

QString substitute(QString text, const std::map<QString, QString> &values)
{
    for (const auto &[id, value] : values)
        text.replace(QStringLiteral("{%1}").arg(id), value);
    return text;
}

} // namespace

const QList<ServiceTemplate> &serviceTemplates()
{
    static const QList<ServiceTemplate> templates = buildTemplates();
    return templates;
}

QStringList serviceTemplateIds()
{
    QStringList ids;
    for (const ServiceTemplate &t : serviceTemplates())
        ids << t.id;
    return ids;
}

const ServiceTemplate *findServiceTemplate(const QString &id)
{
    for (const ServiceTemplate &t : serviceTemplates()) {
        if (t.id == id)
            return &t;
    }
    return nullptr;
}

Result<ServiceConfig> instantiateTemplate(const ServiceTemplate &tmpl, const TemplateInput &input)
{
    std::map<QString, QString> values;
    for (const auto &[id, value] : input.fields) {
        const bool known = std::any_of(tmpl.fields.cbegin(), tmpl.fields.cend(),
                                       [&id](const TemplateField &field) { return field.id == id; });
        if (!known) {
            QStringList ids;
            for (const TemplateField &field : tmpl.fields)
                ids << field.id;
            return Error{QString::fromLatin1(template_errors::kInvalidField),
                         QStringLiteral("the %1 template has no field '%2'; its fields: %3")
                             .arg(tmpl.id, id.left(64), ids.isEmpty() ? QStringLiteral("none") : ids.join(QStringLiteral(", ")))};
        }
    }
    for (const TemplateField &field : tmpl.fields) {
        const auto given = input.fields.find(field.id);
        const QString value = given == input.fields.end() ? QString() : given->second.trimmed();
        if (value.isEmpty()) {
            return Error{QString::fromLatin1(template_errors::kMissingField),
                         QStringLiteral("the %1 template needs %2 (%3): %4").arg(tmpl.id, field.id, field.label, field.help)};
        }
        const QRegularExpression pattern(QRegularExpression::anchoredPattern(field.pattern));
        if (!pattern.match(value).hasMatch()) {
            return Error{QString::fromLatin1(template_errors::kInvalidField),
                         QStringLiteral("%1 (%2) is not valid: %3 (e.g. %4)").arg(field.id, field.label, field.help, field.example)};
        }
        values[field.id] = value;
    }

    ServiceConfig service;
    service.description = tmpl.description;
    service.baseUrl = tmpl.isCustom() ? input.baseUrl.trimmed() : substitute(tmpl.baseUrl, values);
    service.baseUrl = config_check::withoutTrailingSlash(service.baseUrl);
    service.auth = tmpl.auth;
    service.auth.username = substitute(tmpl.auth.username, values);
    for (const auto &[name, value] : tmpl.setHeaders)
        service.setHeaders.append({name, substitute(value, values)});
    service.testPath = substitute(tmpl.testPath, values);
    service.policy = tmpl.policy;
    for (Rule &rule : service.policy.rules)
        rule.path = substitute(rule.path, values);
    return service;
}

Result<void> validateNewService(const QString &name, const ServiceConfig &service)
{
    if (!isValidName(name)) {
        return Error{QStringLiteral("invalid_name"),
                     QStringLiteral("the service name must match [a-z0-9][a-z0-9_-]{0,63} (e.g. github or stripe-test)")};
    }
    Config config;
    config.services[name] = service;
    return validateConfig(config);
}

Result<ServiceConfig> serviceFromTemplate(const ServiceTemplate &tmpl, const TemplateInput &input)
{
    auto service = instantiateTemplate(tmpl, input);
    if (!service)
        return service;
    if (tmpl.isCustom() && service->baseUrl.isEmpty()) {
        return Error{QString::fromLatin1(config_errors::kInvalid),
                     QStringLiteral("a custom service needs the API's base URL (e.g. https://api.example.com/v1)")};
    }
    if (auto valid = validateNewService(input.serviceName, *service); !valid)
        return valid.error();
    return service;
}

} // namespace keyward

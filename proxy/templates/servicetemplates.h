#pragma once

#include "config/config.h"
#include "core/result.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <map>

namespace keyward {

// Ready-made service definitions for well-known APIs (issue 6, the service wizard; also
// `keyward service add NAME --template ID`). A template is data only: it never holds a secret.
// Texts are plain QStrings here; the GUI translates them.

// A value the user must fill before the template yields a service, e.g. Twilio's Account SID.
// `{id}` in a template's baseUrl, auth.username or rule paths is replaced by the value.
struct TemplateField {
    QString id;      // [a-zA-Z][a-zA-Z0-9]*, the placeholder's name
    QString label;   // "Account SID"
    QString help;    // where the user finds the value
    QString pattern; // a regular expression the whole value must match
    QString example; // a value that matches `pattern` (never a real identifier)
};

struct ServiceTemplate {
    QString id;          // stable: [a-z0-9-]+, used by `--template` and saved wizard state
    QString displayName; // "GitHub"
    QString description; // the service's default description, shown to agents
    QString baseUrl;     // https://...; may contain {field}
    AuthConfig auth;     // username may contain {field}
    QList<QPair<QString, QString>> setHeaders; // fixed headers (e.g. anthropic-version)
    QString testPath;    // a cheap read-only GET, relative to baseUrl; empty only for "custom"
    QString keyPageUrl;  // where the user creates the key; empty only for "custom"
    QString keyHint;     // which scopes or permissions to give the key (least privilege)
    Policy policy;       // least-privilege default; rule paths may contain {field}
    // Why the default rules allow a method other than GET or HEAD; empty when none do.
    QString writeReason;
    QList<TemplateField> fields;

    bool isCustom() const { return id == QLatin1String("custom"); }
};

// Every template, "custom" last; ids are unique and their order stable. "custom" has an empty base
// URL, no key page and no test path: the user supplies them (see serviceFromTemplate).
const QList<ServiceTemplate> &serviceTemplates();
QStringList serviceTemplateIds();
// The template with `id`, or nullptr.
const ServiceTemplate *findServiceTemplate(const QString &id);

// What the user adds to a template.
struct TemplateInput {
    QString serviceName;                // the service's name in config.json
    std::map<QString, QString> fields;  // field id -> value (surrounding whitespace is trimmed)
    QString baseUrl;                    // "custom" only (required there): the API's base URL
};

namespace template_errors {
inline constexpr const char *kMissingField = "missing_field"; // a required field is empty
inline constexpr const char *kInvalidField = "invalid_field"; // a value does not match, or is unknown
} // namespace template_errors

// The template with the fields filled in, before any other validation: every field must be given
// and match its pattern (kMissingField, kInvalidField naming the field, never quoting the value);
// an unknown field id is kInvalidField. For "custom", `input.baseUrl` becomes the base URL.
// The base URL loses trailing slashes. Used by callers that change the result before validating it
// (the CLI's flags override template values).
Result<ServiceConfig> instantiateTemplate(const ServiceTemplate &tmpl, const TemplateInput &input);

// The checks `keyward service add` applies to a new service: a valid name ([a-z0-9][a-z0-9_-]{0,63},
// code "invalid_name") and validateConfig() of a config holding just this service (code
// config_invalid, naming the JSON pointer). Checks against the rest of the config (a taken name)
// are the caller's.
Result<void> validateNewService(const QString &name, const ServiceConfig &service);

// instantiateTemplate() then validateNewService(): the service the wizard stores, secret aside.
Result<ServiceConfig> serviceFromTemplate(const ServiceTemplate &tmpl, const TemplateInput &input);

} // namespace keyward

#pragma once

#include "config/config.h"
#include "core/result.h"

#include <QString>

namespace keyward::config_check {

// Value checks shared by config loading (validateConfig) and the admin commands, so a flag and
// the file field it fills are held to the same rules. Each *Problem() function returns an empty
// string for a valid value, else a short phrase that reads after the name of the field or flag
// (`--base-url: must start with https://`). No phrase quotes the value itself.

// https://host[:port][/prefix]; http:// only for the loopback hosts localhost, 127.0.0.1 and ::1
// (local test servers and local model runtimes). No userinfo, query, fragment, backslash, empty
// or dot segment.
QString baseUrlProblem(const QString &url);
// "https://api.example.com/v1/" and ".../v1" are the same base: the form without trailing slashes
// ("https://host/" becomes "https://host").
QString withoutTrailingSlash(QString url);

// An HTTP header name: an RFC 9110 token of at most 128 characters.
QString headerNameProblem(const QString &name);
// A header value: at most 4096 characters, no CR, LF, NUL or other control character but tab.
QString headerValueProblem(const QString &value);
// True for headers an agent may never set and a service may not fix: Authorization, Proxy-*,
// Cookie, Host, Forwarded, X-Forwarded-*, X-Real-IP, method and URL overrides, hop-by-hop
// headers, Content-Length (case-insensitive).
bool isSecurityHeader(const QString &name);

// The auth fields against the auth type: header needs `header` (a token that is not a framing
// header such as Host or Content-Length), query needs `param` (URL-unreserved characters), basic
// needs `username` (no colon); `prefix` only with header; fields of other types must be empty.
// Returns the problem and, through `field`, which field of auth it concerns.
QString authProblem(const AuthConfig &auth, QString *field);

// A fixed header (setHeaders): a valid name and value, not a security header, not the
// credential's own header.
QString fixedHeaderProblem(const QString &name, const QString &value, const AuthConfig &auth);

// A rule's method: GET HEAD POST PUT PATCH DELETE OPTIONS, or * for any (uppercase).
QString ruleMethodProblem(const QString &method);
// A rule's path glob: starts with /, at most 2048 bytes, no whitespace, control character, ?, #,
// backslash, empty, `.` or `..` segment; `**` only as a whole segment.
QString rulePathProblem(const QString &path);
// A path for a request (testPath): as a rule path, without globs.
QString requestPathProblem(const QString &path);
// Parses `METHOD /path/glob` (one space or more between) into a rule with `action`.
Result<Rule> parseRule(RuleAction action, const QString &text);
// `Mon-Fri 09:00-18:00`: optional days (Mon..Sun, ranges with -, lists with ,) then HH:MM-HH:MM.
QString scheduleProblem(const QString &entry);

// A description: at most 1024 characters, no control characters.
QString descriptionProblem(const QString &text);

// Ranges of the numeric fields (inclusive).
inline constexpr qint64 kMinTimeoutMs = 100;
inline constexpr qint64 kMaxTimeoutMs = 10 * 60 * 1000;
inline constexpr qint64 kMaxBodyBytes = qint64(1) << 30; // 1 GiB, request and response caps
inline constexpr qint64 kMaxAuditBodyCap = 16 * 1024 * 1024;
inline constexpr qint64 kMaxRate = 1000000;
inline constexpr qint64 kMaxRetentionDays = 36500;

} // namespace keyward::config_check

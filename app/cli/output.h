#pragma once

#include <nlohmann/json.hpp>

#include <QList>
#include <QString>
#include <QStringList>

namespace keyward::cli {

// Exit codes of every subcommand.
enum ExitCode : int { ExitOk = 0, ExitFailure = 1, ExitUsage = 2 };

// How a subcommand talks to the user. Data goes to stdout, messages to stderr. With `--json`,
// data is machine output (a list as JSON Lines, one object per line) and an error is printed as
// `{"error":{"code":"...","message":"..."}}` on stdout, so a consumer reads one stream.
class Output {
public:
    explicit Output(bool json = false) : m_json(json) {}

    bool json() const { return m_json; }
    void setJson(bool json) { m_json = json; }

    // A line of human-readable data on stdout.
    void line(const QString &text) const;
    // `rows` (the first one the header) as columns on stdout, two spaces apart; the last column is
    // not padded and no line ends in spaces. Every row has the header's number of columns.
    void table(const QList<QStringList> &rows) const;
    // One JSON object (or JSON Lines item) on stdout.
    void object(const nlohmann::json &value) const;
    // A message for the user on stderr (never in --json data).
    void message(const QString &text) const;

    // Reports an error and returns `exitCode`; usage errors use code "usage" and ExitUsage.
    int error(const QString &code, const QString &text, int exitCode = ExitFailure) const;
    int usageError(const QString &text) const;

private:
    bool m_json;
};

} // namespace keyward::cli

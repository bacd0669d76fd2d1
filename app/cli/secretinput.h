#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

namespace keyward::cli {

// The largest secret accepted, after the trailing newline is stripped.
inline constexpr qsizetype kMaxSecretBytes = 64 * 1024;

// Reads one secret, never from argv (DESIGN.md "CLI"):
// - stdin is not a terminal (a pipe or file): everything up to EOF, one trailing LF or CRLF
//   stripped;
// - stdin is a terminal: `prompt` is shown on the terminal (/dev/tty, else stderr) and one line is
//   read with echo off. The secret is asked once, not twice: API keys are pasted, not typed, and
//   a wrong one shows at the first call (or `keyward service test`).
// An empty secret or one over kMaxSecretBytes is refused (code "invalid_secret"); on a terminal,
// Ctrl-C restores echo before the process ends. Errors never contain the secret.
Result<QByteArray> readSecret(const QString &prompt);

// Whether stdin is a terminal (so a secret or passphrase is asked for, not read from a pipe).
bool stdinIsTerminal();

// Asks for a passphrase on the terminal with echo off (as readSecret() does on a terminal): one
// line, the trailing LF or CRLF stripped. Refuses when stdin is not a terminal, and refuses an
// empty line (code "invalid_secret"). Errors never contain the passphrase.
Result<QByteArray> readPassphrase(const QString &prompt);

// The rule readSecret() applies to piped input: strips one trailing LF or CRLF, then refuses an
// empty result or one over kMaxSecretBytes. Exposed for tests.
Result<QByteArray> secretFromInput(QByteArray raw);

} // namespace keyward::cli

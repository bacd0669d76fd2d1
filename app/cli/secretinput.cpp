#include "cli/secretinput.h"

#include <QtGlobal>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#ifdef Q_OS_WIN
#include <io.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>
#endif

namespace keyward::cli {

namespace {

constexpr const char *kInvalid = "invalid_secret";

Error invalid(const QString &text) { return Error{QString::fromLatin1(kInvalid), text}; }

// Overwrites a buffer that held a secret before it is released (best effort: earlier copies made
// by the runtime are out of reach).
void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        std::memset(bytes.data(), 0, size_t(bytes.size()));
    bytes.clear();
}

#ifndef Q_OS_WIN

// Echo-off state of the terminal being read, restored by the signal handler on Ctrl-C.
int g_ttyFd = -1;
struct termios g_savedTermios;
volatile sig_atomic_t g_echoOff = 0;

extern "C" void restoreEchoAndDie(int signal)
{
    if (g_echoOff)
        tcsetattr(g_ttyFd, TCSAFLUSH, &g_savedTermios);
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

// Reads until EOF (or one byte past the cap, enough to know it is too long).
Result<QByteArray> readAllOfStdin()
{
    QByteArray bytes;
    const qsizetype cap = kMaxSecretBytes + 3; // the cap plus CRLF plus one byte proving "too long"
    char buffer[4096];
    while (bytes.size() < cap) {
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            std::memset(buffer, 0, sizeof buffer);
            wipe(bytes);
            return invalid(QStringLiteral("cannot read the secret from stdin (%1)").arg(QString::fromLocal8Bit(std::strerror(errno))));
        }
        bytes.append(buffer, qsizetype(n));
    }
    std::memset(buffer, 0, sizeof buffer);
    return bytes;
}

Result<QByteArray> readFromTerminal(const QString &prompt)
{
    int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    const bool ownFd = fd >= 0;
    const int inFd = ownFd ? fd : STDIN_FILENO;
    const int outFd = ownFd ? fd : STDERR_FILENO;

    const QByteArray promptBytes = prompt.toUtf8();
    if (::write(outFd, promptBytes.constData(), size_t(promptBytes.size())) < 0) {
        // Nowhere to show the prompt; reading still works.
    }

    struct termios saved;
    const bool isTerminal = tcgetattr(inFd, &saved) == 0;
    if (isTerminal) {
        struct termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        quiet.c_lflag |= ECHONL;
        g_ttyFd = inFd;
        g_savedTermios = saved;
        g_echoOff = 1;
        std::signal(SIGINT, restoreEchoAndDie);
        std::signal(SIGTERM, restoreEchoAndDie);
        std::signal(SIGHUP, restoreEchoAndDie);
        tcsetattr(inFd, TCSAFLUSH, &quiet);
    }

    QByteArray line;
    bool tooLong = false;
    bool failed = false;
    for (;;) {
        char c = 0;
        const ssize_t n = ::read(inFd, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            failed = n < 0;
            break;
        }
        if (c == '\n')
            break;
        if (line.size() > kMaxSecretBytes) {
            tooLong = true; // keep reading to the end of the line so it does not reach the shell
            continue;
        }
        line.append(c);
    }

    if (isTerminal) {
        tcsetattr(inFd, TCSAFLUSH, &saved);
        g_echoOff = 0;
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
        std::signal(SIGHUP, SIG_DFL);
    }
    if (ownFd)
        ::close(fd);

    if (failed) {
        wipe(line);
        return invalid(QStringLiteral("cannot read the secret from the terminal; pipe it on stdin instead"));
    }
    if (tooLong) {
        wipe(line);
        return invalid(QStringLiteral("the secret is longer than 64 KiB; check what was pasted"));
    }
    line.append('\n'); // the same stripping rule as for piped input
    return line;
}

#else // Q_OS_WIN

Result<QByteArray> readAllOfStdin()
{
    QByteArray bytes;
    const qsizetype cap = kMaxSecretBytes + 3;
    char buffer[4096];
    while (bytes.size() < cap) {
        const size_t n = std::fread(buffer, 1, sizeof buffer, stdin);
        if (n == 0)
            break;
        bytes.append(buffer, qsizetype(n));
    }
    SecureZeroMemory(buffer, sizeof buffer);
    return bytes;
}

Result<QByteArray> readFromTerminal(const QString &prompt)
{
    const QByteArray promptBytes = prompt.toUtf8();
    std::fwrite(promptBytes.constData(), 1, size_t(promptBytes.size()), stderr);
    std::fflush(stderr);
    const HANDLE input = GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode = 0;
    const bool console = GetConsoleMode(input, &mode);
    if (console)
        SetConsoleMode(input, mode & ~DWORD(ENABLE_ECHO_INPUT));
    QByteArray line;
    bool tooLong = false;
    for (;;) {
        char c = 0;
        DWORD n = 0;
        if (!ReadFile(input, &c, 1, &n, nullptr) || n == 0 || c == '\n')
            break;
        if (line.size() > kMaxSecretBytes) {
            tooLong = true;
            continue;
        }
        line.append(c);
    }
    if (console)
        SetConsoleMode(input, mode);
    std::fputc('\n', stderr);
    if (tooLong) {
        wipe(line);
        return invalid(QStringLiteral("the secret is longer than 64 KiB; check what was pasted"));
    }
    line.append('\n');
    return line;
}

#endif

} // namespace

#ifndef Q_OS_WIN
bool stdinIsTerminal() { return ::isatty(STDIN_FILENO) == 1; }
#else
bool stdinIsTerminal() { return _isatty(_fileno(stdin)) != 0; }
#endif

Result<QByteArray> readPassphrase(const QString &prompt)
{
    if (!stdinIsTerminal()) {
        return invalid(QStringLiteral("stdin is not a terminal, so the passphrase cannot be asked for; set "
                                      "KEYWARD_PASSPHRASE_FILE instead"));
    }
    auto raw = readFromTerminal(prompt);
    if (!raw)
        return raw.error();
    QByteArray line = std::move(raw).value();
    line.chop(1); // the newline readFromTerminal() put back
    if (line.endsWith('\r'))
        line.chop(1);
    if (line.isEmpty())
        return invalid(QStringLiteral("the passphrase is empty; type it at the prompt"));
    return line;
}

Result<QByteArray> secretFromInput(QByteArray raw)
{
    if (raw.endsWith("\r\n"))
        raw.chop(2);
    else if (raw.endsWith('\n'))
        raw.chop(1);
    if (raw.isEmpty())
        return invalid(QStringLiteral("the secret is empty; pipe it on stdin (e.g. `printenv API_KEY | keyward ...`) or type it at the prompt"));
    if (raw.size() > kMaxSecretBytes) {
        wipe(raw);
        return invalid(QStringLiteral("the secret is longer than 64 KiB; check what was piped on stdin"));
    }
    return raw;
}

Result<QByteArray> readSecret(const QString &prompt)
{
    auto raw = stdinIsTerminal() ? readFromTerminal(prompt) : readAllOfStdin();
    if (!raw)
        return raw.error();
    return secretFromInput(std::move(raw).value());
}

} // namespace keyward::cli

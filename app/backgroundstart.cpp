#include "backgroundstart.h"

#include <cerrno>
#include <cstdio>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace keyward::app {

namespace {

int g_reportFd = -1; // the pipe to the waiting parent, in the background child; -1 otherwise

void writeAll(int fd, const QByteArray &bytes)
{
    qsizetype done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.constData() + done, size_t(bytes.size() - done));
        if (n < 0)
            return;
        done += n;
    }
}

void report(const QByteArray &line)
{
    QByteArray framed = line;
    framed.append('\n');
    if (g_reportFd < 0) {
        std::fwrite(framed.constData(), 1, size_t(framed.size()), stdout);
        std::fflush(stdout);
        return;
    }
    writeAll(g_reportFd, framed);
    ::close(g_reportFd);
    g_reportFd = -1;
}

} // namespace

std::optional<int> detachIntoBackground()
{
    int fds[2];
    if (::pipe(fds) != 0)
        return std::nullopt; // cannot fork safely: serve in the foreground
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t child = ::fork();
    if (child < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return std::nullopt;
    }
    if (child == 0) {
        ::close(fds[0]);
        ::fcntl(fds[1], F_SETFD, FD_CLOEXEC);
        ::setsid();
        g_reportFd = fds[1];
        return std::nullopt;
    }
    ::close(fds[1]);
    QByteArray line;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
        if (n > 0)
            line.append(buffer, n);
    }
    ::close(fds[0]);
    if (line.isEmpty()) {
        // The child died before reporting: collect it and say so.
        int status = 0;
        ::waitpid(child, &status, WNOHANG);
        line = QByteArrayLiteral("{\"error\":{\"code\":\"owner_error\",\"message\":\"the background owner exited before it "
                                 "was ready; run keyward serve in the foreground to see why\"}}\n");
    }
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fflush(stdout);
    return line.startsWith("{\"ready\":true") ? 0 : 1;
}

void reportReady(const QByteArray &readyLine)
{
    const bool background = g_reportFd >= 0;
    report(readyLine);
    if (background) {
        const int null = ::open("/dev/null", O_RDWR);
        if (null >= 0) {
            ::dup2(null, 0);
            ::dup2(null, 1);
            ::dup2(null, 2);
            if (null > 2)
                ::close(null);
        }
    }
}

void reportFailure(const QByteArray &errorLine)
{
    if (g_reportFd >= 0)
        report(errorLine);
}

} // namespace keyward::app

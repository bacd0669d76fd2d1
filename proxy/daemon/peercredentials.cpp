#include "daemon/peercredentials.h"

#if defined(Q_OS_UNIX)
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#endif

namespace keyward::daemon {

bool peerIsSameUser(qintptr descriptor)
{
#if defined(Q_OS_LINUX)
    struct ucred credentials {};
    socklen_t length = sizeof credentials;
    if (::getsockopt(int(descriptor), SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0)
        return false;
    return credentials.uid == ::geteuid();
#elif defined(Q_OS_UNIX)
    uid_t uid = 0;
    gid_t gid = 0;
    if (::getpeereid(int(descriptor), &uid, &gid) != 0)
        return false;
    return uid == ::geteuid();
#else
    Q_UNUSED(descriptor)
    return true;
#endif
}

} // namespace keyward::daemon

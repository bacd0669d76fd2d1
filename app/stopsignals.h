#pragma once

#include <QObject>

namespace keyward::app {

// Turns SIGTERM, SIGINT and SIGHUP into the `received` signal on the event loop (a self-pipe read
// by a QSocketNotifier), so the owner stops cleanly: socket file removed, audit closed.
class StopSignals : public QObject {
    Q_OBJECT
public:
    explicit StopSignals(QObject *parent = nullptr);

Q_SIGNALS:
    void received(int signal);
};

} // namespace keyward::app

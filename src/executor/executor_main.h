// RunExecutor: the life of an executor process (`orc executor`): it runs the task attempts orc
// sends it, one at a time, each with the plugins registered in `plugins`.
//
// orc starts one executor per worker, with the socket of its channel as file descriptor 3, and
// reuses it for every attempt that worker runs; a crash, a hang or a memory blow-up inside a task
// then ends this process only, and orc starts another. The process confines itself before it
// takes a task (the directories jobs may use, DuckDB's external access, Landlock where the kernel
// has it) and never writes orc's state: it reports logs, progress and the outcome to orc, which
// records them.
//
// Two threads: the calling thread runs the attempts; a control thread reads orc's messages
// (a new task, a stop) and sends progress a few times a second. The process exits when orc closes
// the channel, and dies with orc (PR_SET_PDEATHSIG).
#pragma once

namespace orc {

class PluginRegistry;

// The descriptor an executor process finds its channel to orc on.
constexpr int kExecutorChannelFd = 3;

// The executor's main loop on the channel `fd`. Returns the process's exit status.
int RunExecutor(int fd, const PluginRegistry& plugins);

}  // namespace orc

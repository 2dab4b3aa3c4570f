// orc: an ELT job orchestrator. See README.md.
#include "cli/cli.h"

int main(int argc, char** argv) { return orc::RunCli(argc, argv); }

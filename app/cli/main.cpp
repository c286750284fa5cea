// longview-cli: the command-line face of Longview.
// Exit status: 0 ok, 1 user error (one line on stderr), 2 internal error.

#include "cli/CommandLine.h"
#include "cli/HumanOutput.h"
#include "core/Version.h"

#include <exception>
#include <iostream>
#include <new>
#include <stdexcept>

int main(int argc, char** argv) {
    using namespace lv::cli;
    std::vector<std::string> args(argv + 1, argv + argc);
    CommandIo io{std::cout, std::cerr};
    try {
        const std::vector<Command> commands = allCommands();
        ParsedCommandLine parsed = parseCommandLine(args, commands);
        if (parsed.version) {
            std::cout << "longview-cli " << lv::kVersion
                      << (lv::kBuiltWithCuda ? " (CUDA backend built)" : " (CPU backend only)")
                      << "\n";
            return 0;
        }
        if (parsed.help || !parsed.command) {
            std::cout << (parsed.command ? commandHelp(*parsed.command) : generalHelp(commands));
            if (!parsed.help && !parsed.command) {
                std::cerr << "longview-cli: no command given\n";
                return 1;
            }
            return 0;
        }
        return parsed.command->run(parsed.invocation, io);
    } catch (const UsageError& e) {
        std::cerr << "longview-cli: " << lv::cli::oneLine(e.what()) << "\n";
        return 1;
    } catch (const std::bad_alloc&) {
        std::cerr << "longview-cli: out of memory\n";
        return 2;
    } catch (const std::runtime_error& e) {
        // Modules report unusable input (files, configs, models) as runtime_error
        // subclasses whose message already names the file and the problem.
        std::cerr << "longview-cli: " << lv::cli::oneLine(e.what()) << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "longview-cli: internal error: " << lv::cli::oneLine(e.what()) << "\n";
        return 2;
    } catch (...) {
        std::cerr << "longview-cli: internal error\n";
        return 2;
    }
}

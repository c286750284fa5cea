#include "cli/commands/Commands.h"

namespace lv::cli {

Command makeTokenizeCommand() {
    Command c;
    c.name = "tokenize";
    c.summary = "token ids of text (stdin or --text) as one JSON array";
    c.usage = "tokenize --tokenizer FILE|DIR [--text T] [--add-special] [--decode]";
    c.minPositional = 0;
    c.maxPositional = 0;
    c.run = notYetAvailable(c.name, "the tokenizers, issue 4");
    return c;
}

} // namespace lv::cli

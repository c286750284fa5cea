#include "cli/commands/Commands.h"

#include "tokenizer/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <iterator>
#include <ostream>

namespace lv::cli {

namespace {

std::string readStdin() {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

// "[1, 2, 3]", "1,2,3" or "1 2 3".
std::vector<int32_t> parseIds(const std::string& text) {
    std::vector<int32_t> ids;
    std::string token;
    auto flush = [&]() {
        if (token.empty()) return;
        std::size_t used = 0;
        long long value = 0;
        try {
            value = std::stoll(token, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != token.size() || value < INT32_MIN || value > INT32_MAX)
            throw UsageError("tokenize --decode: '" + token + "' is not a token id");
        ids.push_back(static_cast<int32_t>(value));
        token.clear();
    };
    for (char c : text) {
        if (c == '[' || c == ']' || c == ',' || std::isspace(static_cast<unsigned char>(c)))
            flush();
        else
            token += c;
    }
    flush();
    return ids;
}

int run(const Invocation& invocation, CommandIo& io) {
    const auto path = invocation.value("tokenizer");
    if (!path) throw UsageError("tokenize: --tokenizer FILE|DIR is required");
    const auto tokenizer = loadTokenizer(*path);
    const std::string input = invocation.has("text") ? invocation.valueOr("text", "") : readStdin();

    if (invocation.has("decode")) {
        const auto ids = parseIds(input);
        // (decode() skips ids that name no token: the text would lose them without a word)
        const std::int32_t vocab = tokenizer->vocabSize();
        for (const std::int32_t id : ids)
            if (id < 0 || id >= vocab)
                throw UsageError("tokenize --decode: token id " + std::to_string(id) +
                                 " outside the vocabulary (0.." + std::to_string(vocab - 1) + ")");
        const std::string text = tokenizer->decode(ids, !invocation.has("keep-special"));
        if (invocation.json)
            io.out << nlohmann::json{{"text", text}}.dump() << "\n";
        else
            io.out << text << "\n";
        return 0;
    }
    const auto ids = tokenizer->encode(input, invocation.has("add-special"));
    io.out << '[';
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i) io.out << ',';
        io.out << ids[i];
    }
    io.out << "]\n";
    return 0;
}

} // namespace

Command makeTokenizeCommand() {
    Command c;
    c.name = "tokenize";
    c.summary = "token ids of text (stdin or --text) as one JSON array";
    c.usage =
        "tokenize --tokenizer FILE|DIR [--text T] [--add-special] [--decode [--keep-special]]";
    c.options = {
        {"tokenizer", "FILE|DIR",
         "tokenizer.json, a sentencepiece .model, or a checkpoint directory"},
        {.name = "text",
         .valueName = "T",
         .help = "the text (default: all of stdin)",
         .allowEmpty = true},
        {"add-special", "", "add BOS/EOS as the checkpoint's tokenizer_config.json says"},
        {"decode", "", "read ids (a JSON array or a comma list) and print their text"},
        {"keep-special", "", "with --decode: keep special tokens in the text"},
    };
    c.minPositional = 0;
    c.maxPositional = 0;
    c.run = run;
    return c;
}

} // namespace lv::cli

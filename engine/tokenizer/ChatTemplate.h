// Chat prompts: built-in renderings of the Granite 4, Falcon-H1, Nemotron-H,
// Llama 3 / 3.1 and ChatML chat templates, chosen from a checkpoint, or a
// simple user-supplied format that overrides them.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lv {

struct ChatMessage {
    std::string role; // "system", "user", "assistant" (built-ins also take "tool")
    std::string content;
};

enum class ChatFormat { Granite4, FalconH1, NemotronH, Llama3, Llama31, ChatML, Custom };

const char* chatFormatName(ChatFormat format);

// Renders a conversation to the exact text the family's Jinja chat_template
// (as transformers' apply_chat_template runs it, without tools or documents)
// produces. The text includes the BOS token where the template writes it;
// encode it with addSpecial = false.
//
// A user format (fromUserFormat) is plain text, one part per line,
// "key: value", '#' starting a comment line. Values use the escapes \n, \t,
// \\ and the placeholders {system}, {user}, {assistant} (or {content} in any
// of them) and {bos}, {eos}:
//
//   prefix: {bos}
//   system: <|system|>\n{system}<|end|>\n
//   user: <|user|>\n{user}<|end|>\n
//   assistant: <|assistant|>\n{assistant}<|end|>\n
//   generation: <|assistant|>\n
//
// `user` and `assistant` are required. `prefix` is written once at the start.
// `generation` (what opens the model's answer) defaults to the assistant line
// up to its placeholder. Without a `system` line a system message is written
// in front of the first user message, followed by a blank line.
class ChatTemplate {
public:
    // bos/eos are the checkpoint's token texts (tokenizer_config.json), used
    // where the template writes bos_token / eos_token.
    static ChatTemplate builtin(ChatFormat format, std::string bos = {}, std::string eos = {});
    // Throws TokenizerError naming `source` and the line at fault.
    static ChatTemplate fromUserFormat(std::string_view spec, std::string bos = {},
                                       std::string eos = {},
                                       const std::string& source = "chat format");
    static ChatTemplate fromUserFormatFile(const std::filesystem::path& file, std::string bos = {},
                                           std::string eos = {});

    // The template for a checkpoint directory: the user's format file when
    // given, else the built-in that its chat_template (tokenizer_config.json)
    // or model_type (config.json) names; ChatML when nothing is recognisable.
    static ChatTemplate forCheckpoint(const std::filesystem::path& directory,
                                      const std::filesystem::path& userFormatFile = {});

    // Throws TokenizerError for a role the format cannot write.
    std::string render(std::span<const ChatMessage> messages, bool addGenerationPrompt) const;

    ChatFormat format() const { return format_; }

private:
    struct UserParts {
        std::string prefix, system, user, assistant, generation;
        bool hasSystem = false;
    };
    ChatTemplate(ChatFormat format, std::string bos, std::string eos)
        : format_(format), bos_(std::move(bos)), eos_(std::move(eos)) {}
    std::string renderCustom(std::span<const ChatMessage> messages, bool addGenerationPrompt) const;

    ChatFormat format_;
    std::string bos_, eos_;
    UserParts parts_;
};

// The built-in format that a Jinja chat_template (may be empty) or a
// config.json model_type stands for; ChatML when neither is recognisable.
ChatFormat detectChatFormat(std::string_view jinjaTemplate, std::string_view modelType);

} // namespace lv

package io.genbus.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * One entry of {@code worker.backends[]}. The {@code type} key picks the record; each backend type
 * adds its own settings.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = LocalBackendConfig.class, name = LocalBackendConfig.TYPE),
    @JsonSubTypes.Type(value = GeminiBackendConfig.class, name = GeminiBackendConfig.TYPE),
    @JsonSubTypes.Type(value = OpenAiImagesBackendConfig.class, name = OpenAiImagesBackendConfig.TYPE),
    @JsonSubTypes.Type(value = OpenAiChatBackendConfig.class, name = OpenAiChatBackendConfig.TYPE)
})
public sealed interface BackendConfig
    permits LocalBackendConfig, GeminiBackendConfig, OpenAiImagesBackendConfig, OpenAiChatBackendConfig {

  /** The backend type, as written in the config. */
  String type();

  /** The model names this backend serves. */
  List<String> models();

  /** How many jobs it runs at once. */
  Integer concurrency();
}

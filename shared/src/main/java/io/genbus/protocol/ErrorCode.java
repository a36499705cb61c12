package io.genbus.protocol;

import java.util.Locale;

/**
 * Every error genbus reports, with its HTTP status, OpenAI error type and its message in English and in
 * the spec's Chinese. Messages are {@link String#format} templates.
 */
public enum ErrorCode {
  MODEL_NOT_FOUND(400, "invalid_request_error", false,
      "No worker serves model: %s", "没有 Worker 支持模型: %s"),
  QUEUE_FULL(429, "rate_limit_exceeded", true,
      "Queue is full; retry later or use stream: true, which queues without limit",
      "队列已满"),
  INVALID_JSON(400, "invalid_request_error", false,
      "The request body is not valid JSON: %s", "请求体不是有效的 JSON: %s"),
  MISSING_PARAMETER(400, "invalid_request_error", false,
      "Missing required parameter: '%s'", "缺少必填参数: '%s'"),
  INVALID_TYPE(400, "invalid_request_error", false,
      "Invalid type for '%s': expected %s", "参数 '%s' 类型错误: 应为 %s"),
  INVALID_VALUE(400, "invalid_request_error", false,
      "Invalid value for '%s': %s", "参数 '%s' 的值无效: %s"),
  TOO_MANY_IMAGES(400, "invalid_request_error", false,
      "Too many images: %s, at most %s", "图片过多: %s 张, 最多 %s 张"),
  INVALID_IMAGE_FORMAT(400, "invalid_request_error", false,
      "Unsupported image format %s: use PNG, JPEG, GIF or WebP", "不支持的图片格式 %s: 请使用 PNG、JPEG、GIF 或 WebP"),
  INVALID_IMAGE(400, "invalid_request_error", false,
      "The image cannot be read: %s", "无法读取图片: %s"),
  INVALID_IMAGE_URL(400, "invalid_request_error", false,
      "Only base64 data URLs (data:image/png;base64,...) are accepted as images, not %s",
      "图片只接受 Base64 Data URL (data:image/png;base64,...), 不接受 %s"),
  UNSUPPORTED_PARAMETER(400, "invalid_request_error", false,
      "Unsupported value for '%s': %s", "不支持的参数值 '%s': %s"),
  IMAGE_TOO_LARGE(400, "invalid_request_error", false,
      "Image too large: %s", "图片过大: %s"),
  IMAGE_NOT_FOUND(404, "invalid_request_error", false,
      "No such image (it may have expired): %s", "图片不存在 (可能已过期): %s"),
  REQUEST_TOO_LARGE(413, "invalid_request_error", false,
      "Request body too large: at most %s bytes", "请求体过大: 最多 %s 字节"),
  INVALID_API_KEY(401, "authentication_error", false,
      "Incorrect or missing API key; send 'Authorization: Bearer <key>'",
      "API Key 无效或缺失; 请发送 'Authorization: Bearer <key>'"),
  NOT_FOUND(404, "invalid_request_error", false,
      "Unknown endpoint: %s %s", "未知接口: %s %s"),
  GENERATION_FAILED(502, "api_error", true,
      "Generation failed: %s", "生成失败: %s"),
  NODE_BUSY(429, "rate_limit_exceeded", false,
      "This API node is at its limit of %s; retry later", "此 API 节点已达上限: %s; 请稍后重试"),
  REQUEST_TIMEOUT(408, "invalid_request_error", false,
      "The request body did not arrive within %s s", "请求体未在 %s 秒内送达"),
  QUEUE_TIMEOUT(429, "rate_limit_exceeded", false,
      "Waited %s s in the queue without a free worker; retry later",
      "排队等待 %s 秒仍无空闲 Worker, 请稍后重试"),
  JOB_TIMEOUT(504, "api_error", false,
      "Generation took longer than %s s and was stopped", "生成超过 %s 秒, 已停止"),
  WORKER_BUSY(503, "api_error", true,
      "The worker has no free slot", "Worker 没有空闲槽位"),
  SHUTTING_DOWN(503, "api_error", true,
      "This node is shutting down; retry", "节点正在关闭, 请重试"),
  CONTENT_BLOCKED(400, "invalid_request_error", false,
      "Blocked by the model's safety filter: %s", "被模型的安全过滤拦截: %s"),
  UPSTREAM_RATE_LIMITED(429, "rate_limit_exceeded", true,
      "The upstream API is rate-limiting: %s", "上游 API 限流: %s"),
  UPSTREAM_UNAVAILABLE(502, "api_error", true,
      "The upstream API is unavailable: %s", "上游 API 不可用: %s"),
  UPSTREAM_TIMEOUT(504, "api_error", true,
      "The upstream API did not answer in time: %s", "上游 API 响应超时: %s"),
  UPSTREAM_ERROR(502, "api_error", false,
      "The upstream API failed: %s", "上游 API 出错: %s"),
  WORKER_LOST(502, "api_error", true,
      "The worker running this job stopped answering", "执行任务的 Worker 已失去响应"),
  UNKNOWN_JOB(404, "invalid_request_error", false,
      "Unknown job: %s", "未知任务: %s"),
  JOB_NOT_FOUND(404, "invalid_request_error", false,
      "No such job: %s", "任务不存在: %s"),
  JOB_CANCELLED(409, "invalid_request_error", false,
      "The job was cancelled", "任务已取消"),
  IDEMPOTENCY_KEY_REUSED(409, "invalid_request_error", false,
      "This Idempotency-Key was already used with a different request body",
      "此 Idempotency-Key 已用于另一个不同的请求体"),
  JOB_OWNER_UNAVAILABLE(503, "api_error", true,
      "The API node that owns this job is not reachable; retry in a few seconds",
      "负责此任务的 API 节点暂不可达, 请几秒后重试"),
  WEBHOOK_URL_REFUSED(400, "invalid_request_error", false,
      "Webhook URL refused: %s", "Webhook URL 被拒绝: %s"),
  RATE_LIMIT_EXCEEDED(429, "requests", false,
      "Rate limit reached: %s", "已达速率限制: %s"),
  INSUFFICIENT_QUOTA(429, "insufficient_quota", false,
      "Daily image quota used up: %s; it resets at 00:00 UTC", "今日图片额度已用完: %s; 于 UTC 00:00 重置"),
  MODEL_NOT_ALLOWED(403, "invalid_request_error", false,
      "This key may not use model: %s", "此 Key 无权使用模型: %s"),
  PERMISSION_DENIED(403, "permission_error", false,
      "%s", "%s"),
  TENANT_NOT_FOUND(404, "invalid_request_error", false,
      "No such tenant: %s", "租户不存在: %s"),
  TENANT_CONFLICT(409, "invalid_request_error", false,
      "%s", "%s"),
  NOT_CONFIGURED(501, "api_error", false,
      "%s", "%s"),
  USAGE_UNAVAILABLE(503, "api_error", true,
      "Usage history cannot be read right now (the database is unreachable); retry later",
      "暂时无法读取用量历史 (数据库不可达), 请稍后重试"),
  /** Event-bus integration (the client's side): no API node answered the submit or events address. */
  API_UNAVAILABLE(503, "api_error", true,
      "No genbus API node answered on the event bus (%s)", "事件总线上没有 genbus API 节点应答 (%s)"),
  INTERNAL_ERROR(500, "api_error", false,
      "Internal error: %s", "内部错误: %s");

  private final int status;
  private final String type;
  private final boolean retryable;
  private final String english;
  private final String chinese;

  ErrorCode(int status, String type, boolean retryable, String english, String chinese) {
    this.status = status;
    this.type = type;
    this.retryable = retryable;
    this.english = english;
    this.chinese = chinese;
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public boolean retryable() {
    return retryable;
  }

  /** The code as it appears in the error JSON: the spec's upper-case codes, OpenAI's lower-case ones. */
  public String code() {
    return switch (this) {
      case MODEL_NOT_FOUND, QUEUE_FULL, TOO_MANY_IMAGES -> name();
      case INVALID_API_KEY -> "invalid_api_key";
      default -> name().toLowerCase(Locale.ROOT);
    };
  }

  public String message(ErrorLanguage language, Object... args) {
    return String.format(language == ErrorLanguage.ZH ? chinese : english, args);
  }

  /** Finds the code behind {@link #code()}; unknown codes (from a newer worker) map to GENERATION_FAILED. */
  public static ErrorCode fromCode(String code) {
    for (ErrorCode c : values()) {
      if (c.code().equals(code)) {
        return c;
      }
    }
    return GENERATION_FAILED;
  }
}

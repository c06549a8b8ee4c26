/**
 * Where vLLM reads a secret flag's value from when the flag is left out, so a
 * redacted startup line can name that variable instead of the secret:
 * `--api-key` defaults to $VLLM_API_KEY (vLLM's own argparse default) and
 * `--hf-token` stands for the Hugging Face token huggingface_hub reads from
 * $HF_TOKEN. Other secret flags become `<redacted>`.
 */
import type { SecretPlaceholders } from '../../shared/redact';

export const VLLM_SECRET_PLACEHOLDERS: SecretPlaceholders = {
  '--api-key': '$VLLM_API_KEY',
  '--hf-token': '$HF_TOKEN',
};

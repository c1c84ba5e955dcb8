// Reading attachments into base64 for AttachmentForm.dataBase64, with progress.

/** Per-file limit: payers and gateways refuse large bodies (LKW uses 10 MB too). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** "data:application/pdf;base64,JVBER…" → "JVBER…"; null when it is not a base64 data URL. */
export function base64FromDataUrl(dataUrl: string): string | null {
  const i = dataUrl.indexOf(";base64,");
  return dataUrl.startsWith("data:") && i >= 0 ? dataUrl.slice(i + 8) : null;
}

/** "1.4 MB", "212 KB", "900 B". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) {
    return `${(Math.round((n / (1024 * 1024)) * 10) / 10).toFixed(1)} MB`;
  }
  if (n >= 1024) {
    return `${Math.round(n / 1024)} KB`;
  }
  return `${n} B`;
}

/**
 * Reads a file to base64 with the browser's FileReader, reporting progress as a fraction.
 * Rejects with a clerk-readable message.
 */
export function readFileAsBase64(file: File, onProgress: (fraction: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    if (file.size > MAX_ATTACHMENT_BYTES) {
      reject(new Error(`${file.name} is ${formatBytes(file.size)}; the limit is ${formatBytes(MAX_ATTACHMENT_BYTES)}.`));
      return;
    }
    const reader = new FileReader();
    reader.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) {
        onProgress(e.loaded / e.total);
      }
    };
    reader.onerror = () => reject(new Error(`Could not read ${file.name}.`));
    reader.onload = () => {
      const b64 = typeof reader.result === "string" ? base64FromDataUrl(reader.result) : null;
      if (b64 === null) {
        reject(new Error(`Could not read ${file.name}.`));
        return;
      }
      onProgress(1);
      resolve(b64);
    };
    reader.readAsDataURL(file);
  });
}

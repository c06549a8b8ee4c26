/**
 * Save text as a file the way every browser and Electron understand: a Blob behind an
 * <a download>. Browser mode gets a real download (no path typed in the page);
 * Electron shows its save dialog for it.
 */
export interface DownloadableFile {
  filename: string;
  mimeType: string;
  content: string;
}

export function downloadFile(file: DownloadableFile): void {
  const url = URL.createObjectURL(new Blob([file.content], { type: file.mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
    // Firefox reads the URL after click() returns: revoke later, not now.
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
  }
}

import { CloseButton, Group, Paper, Text } from '@mantine/core';
import { Dropzone } from '@mantine/dropzone';
import '@mantine/dropzone/styles.css';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../lib/format';

/** What the server keeps (src/tickets/attachments.rs); it checks the content again. */
export const ACCEPTED = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'];
export const MAX_FILES = 5;
export const MAX_BYTES = 10 * 1024 * 1024;

/** Files from a paste (a screenshot copied to the clipboard), if any. */
export function pastedFiles(event: React.ClipboardEvent): File[] {
  return Array.from(event.clipboardData.files).filter((file) => ACCEPTED.includes(file.type));
}

interface Props {
  files: File[];
  onChange: (files: File[]) => void;
  /** Shown when a file was refused before sending. */
  onRefused: (message: string) => void;
}

/** Files to send with a reply: drop them here, pick them, or paste a screenshot into the text. */
export function AttachmentPicker({ files, onChange, onRefused }: Props) {
  const { t } = useTranslation();
  return (
    <>
      <Dropzone
        onDrop={(dropped) => onChange([...files, ...dropped].slice(0, MAX_FILES))}
        onReject={(rejections) =>
          onRefused(rejections.map((r) => `${r.file.name}: ${t('attach.refused')}`).join(' '))
        }
        accept={ACCEPTED}
        maxSize={MAX_BYTES}
        maxFiles={MAX_FILES}
        disabled={files.length >= MAX_FILES}
        p="xs"
        data-testid="attach-drop"
        inputProps={{ 'aria-label': t('attach.pick') }}
      >
        <Text size="sm" c="dimmed" ta="center">
          {t('attach.drop', { count: MAX_FILES, size: formatNumber(MAX_BYTES / 1024 / 1024) })}
        </Text>
      </Dropzone>
      {files.length > 0 && (
        <Group gap="xs">
          {files.map((file, index) => (
            <Paper key={`${file.name}-${index}`} withBorder px="xs" py={2} data-testid="attached-file">
              <Group gap={4} wrap="nowrap">
                <Text size="xs">{file.name} · {formatNumber(Math.ceil(file.size / 1024))} KB</Text>
                <CloseButton
                  size="xs"
                  aria-label={t('attach.remove', { name: file.name })}
                  onClick={() => onChange(files.filter((_, i) => i !== index))}
                />
              </Group>
            </Paper>
          ))}
        </Group>
      )}
    </>
  );
}

/** Extra man page sections a command declares (`static manSections`); scripts/man.ts renders them. */
export interface ManSection {
  readonly title: string;
  /** Plain text; blank lines separate paragraphs, lines indented by two spaces are literal. */
  readonly body: string;
}

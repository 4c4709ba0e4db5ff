import {MissingValueError} from './errors.js'

/** Every interactive question the plugin asks goes through this seam. */
export interface Question {
  defaultValue?: string
  /** The flag that answers it without a prompt. */
  flag: string
  message: string
  /** Returns the broken rule, or undefined when the answer is acceptable. */
  problem?: (answer: string) => string | undefined
  /** What the value is, for the prompt and for the error in a scripted session. */
  what: string
}

export interface Confirmation {
  flag: string
  message: string
}

export interface Prompter {
  ask(question: Question): Promise<string>
  confirm(confirmation: Confirmation): Promise<boolean>
  readonly interactive: boolean
}

/** Scripted sessions never prompt: a missing answer names the flag that gives it. */
export class ScriptedPrompter implements Prompter {
  readonly interactive = false

  async ask(question: Question): Promise<string> {
    throw new MissingValueError(question.what, question.flag)
  }

  async confirm(confirmation: Confirmation): Promise<boolean> {
    throw new MissingValueError(`confirmation (${confirmation.message})`, confirmation.flag)
  }
}

/** Asks on the terminal with inquirer, loaded only when a question is actually asked. */
export class TerminalPrompter implements Prompter {
  readonly interactive = true

  async ask(question: Question): Promise<string> {
    const {input} = await import('@inquirer/prompts')
    const answer = await input({
      default: question.defaultValue,
      message: question.message,
      validate(value) {
        const problem = question.problem?.(value.trim())
        return problem ? `${question.what} ${problem}` : true
      },
    })
    return answer.trim()
  }

  async confirm(confirmation: Confirmation): Promise<boolean> {
    const {confirm} = await import('@inquirer/prompts')
    return confirm({default: false, message: confirmation.message})
  }
}

/** Answers given in advance: for tests and for hosts that embed the commands. */
export class AnsweringPrompter implements Prompter {
  readonly asked: string[] = []
  readonly interactive = true

  constructor(private readonly answers: Record<string, boolean | string>) {}

  async ask(question: Question): Promise<string> {
    this.asked.push(question.flag)
    const answer = this.answers[question.flag]
    if (typeof answer !== 'string') throw new MissingValueError(question.what, question.flag)
    const problem = question.problem?.(answer)
    if (problem) throw new MissingValueError(`${question.what} (answer "${answer}" ${problem})`, question.flag)
    return answer
  }

  async confirm(confirmation: Confirmation): Promise<boolean> {
    this.asked.push(confirmation.flag)
    return this.answers[confirmation.flag] === true
  }
}

export function isScriptedSession(options: {
  env?: NodeJS.ProcessEnv
  json: boolean
  noPrompt: boolean
  stdinIsTTY?: boolean
}) {
  const env = options.env ?? process.env
  const stdinIsTTY = options.stdinIsTTY ?? Boolean(process.stdin.isTTY)
  return (
    options.json || options.noPrompt || !stdinIsTTY || (env.CI !== undefined && env.CI !== '' && env.CI !== 'false')
  )
}
